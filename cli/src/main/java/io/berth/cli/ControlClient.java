package io.berth.cli;

import io.berth.coordinator.cli.ClientConfig;
import io.berth.proto.ControlServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.concurrent.TimeUnit;

/** A connection to the coordinator's control API, found the way DESIGN.md says. */
final class ControlClient implements AutoCloseable {
  private static volatile String lastTarget = "(none)";
  private final ManagedChannel channel;

  private ControlClient(String target) {
    lastTarget = target;
    channel = NettyChannelBuilder.forTarget(target).usePlaintext().build();
  }

  /** --coordinator, then BERTH_COORDINATOR, then the config written at bootstrap. */
  static ControlClient connect(ClientOptions options) {
    String target = options.coordinator;
    if (target == null || target.isEmpty()) {
      target = System.getenv("BERTH_COORDINATOR");
    }
    if (target == null || target.isEmpty()) {
      target = ClientConfig.load(ClientConfig.defaultPath()).map(ClientConfig::coordinator).orElse(null);
    }
    if (target == null || target.isEmpty()) {
      throw new ErrorReporter.UserError("no coordinator known: pass --coordinator HOST:PORT, set BERTH_COORDINATOR, "
          + "or run on the host where `berth coordinator start --bootstrap` wrote " + ClientConfig.defaultPath());
    }
    return new ControlClient(target);
  }

  static String lastTarget() {
    return lastTarget;
  }

  ControlServiceGrpc.ControlServiceBlockingStub api() {
    return ControlServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    channel.shutdownNow();
  }
}
