package io.berth.coordinator.cli;

import io.berth.proto.ClusterJoinRequest;
import io.berth.proto.ControlServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Asks a running coordinator for its cluster's members, on behalf of `coordinator start --join`. */
final class SeedClient {
  private SeedClient() {}

  static List<String> peers(String seed, String token, String ownRaftAddress) throws JoinRefused {
    ManagedChannel channel = NettyChannelBuilder.forTarget(seed).usePlaintext().build();
    try {
      return ControlServiceGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS)
          .joinCluster(ClusterJoinRequest.newBuilder().setToken(token).setRaftAddress(ownRaftAddress).build())
          .getPeersList();
    } catch (StatusRuntimeException e) {
      throw new JoinRefused(e.getStatus().getDescription() == null ? e.getStatus().getCode().toString()
          : e.getStatus().getDescription());
    } finally {
      channel.shutdownNow();
    }
  }

  static final class JoinRefused extends Exception {
    JoinRefused(String message) {
      super(message);
    }
  }
}
