package io.berth.cli;

import io.berth.coordinator.cli.ClientConfig;
import io.berth.coordinator.security.AdminCredential;
import io.berth.proto.ControlServiceGrpc;
import io.berth.tls.GrpcTls;
import io.berth.tls.TlsMaterial;
import io.grpc.ManagedChannel;
import io.grpc.okhttp.OkHttpChannelBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A mutual-TLS connection to the coordinator's control API with the admin credential, both found
 * the way DESIGN.md says (the coordinator: --coordinator, BERTH_COORDINATOR, config.json).
 */
final class ControlClient implements AutoCloseable {
  private static volatile String lastTarget = "(none)";
  private final ManagedChannel channel;

  private ControlClient(String target, TlsMaterial admin) {
    lastTarget = target;
    // OkHttp, not Netty: a command is a short-lived JVM, and class loading is most of its time.
    channel = OkHttpChannelBuilder.forTarget(target, GrpcTls.client(admin.ca(), () -> admin)).build();
  }

  static ControlClient connect(ClientOptions options) {
    Path dir = ClientConfig.directory(options.configDir);
    Optional<ClientConfig> config = ClientConfig.load(ClientConfig.file(dir));
    String target = options.coordinator;
    if (target == null || target.isEmpty()) {
      target = System.getenv("BERTH_COORDINATOR");
    }
    if (target == null || target.isEmpty()) {
      target = config.map(ClientConfig::coordinator).orElse(null);
    }
    if (target == null || target.isEmpty()) {
      throw new ErrorReporter.UserError("no coordinator known: pass --coordinator HOST:PORT, set BERTH_COORDINATOR, "
          + "or run on the host where `berth coordinator start --bootstrap` wrote " + ClientConfig.file(dir));
    }
    return new ControlClient(target, admin(dir));
  }

  /** The admin credential, or a refusal that says how to get one (no call is made without it). */
  private static TlsMaterial admin(Path dir) {
    Optional<TlsMaterial> admin;
    try {
      admin = AdminCredential.files(dir).load();
    } catch (IOException e) {
      throw new ErrorReporter.UserError(e.getMessage());
    }
    return admin.orElseThrow(() -> new ErrorReporter.UserError("no admin credential in " + dir
        + " (admin.key, admin.crt, ca.crt): the cluster only answers mutual TLS. Copy ~/.berth from the host that "
        + "ran `berth coordinator start --bootstrap` (or point --config-dir / BERTH_CONFIG_DIR at such a copy), or "
        + "make one on a coordinator host: `berth coordinator admin-credential --data-dir DATA_DIR --out " + dir + "`"));
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
