package io.berth.coordinator.cli;

import io.berth.coordinator.security.JoinToken;
import io.berth.proto.ClusterJoinRequest;
import io.berth.proto.ClusterJoinResponse;
import io.berth.proto.ControlServiceGrpc;
import io.berth.tls.CaProbe;
import io.berth.tls.GrpcTls;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Joins a running coordinator's cluster on behalf of `coordinator start --join`: checks the seed's
 * CA against the token's fingerprint before sending anything, then sends the token over TLS and
 * gets the members, the cluster identity and the CA (key included: this member will sign too).
 */
final class SeedClient {
  private static final Duration PATIENCE = Duration.ofSeconds(60);

  private SeedClient() {}

  static ClusterJoinResponse join(String seed, String tokenText, String ownRaftAddress) throws JoinRefused {
    JoinToken token;
    try {
      token = JoinToken.parse(tokenText);
    } catch (IllegalArgumentException e) {
      throw new JoinRefused("--token: " + e.getMessage());
    }
    int colon = seed.lastIndexOf(':');
    if (colon <= 0) {
      throw new JoinRefused("--join takes HOST:PORT (the member's gRPC port), not " + seed);
    }
    String host = seed.substring(0, colon);
    int port = Integer.parseInt(seed.substring(colon + 1));
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (true) {
      try {
        return ask(seed, host, port, token, ownRaftAddress);
      } catch (Unreachable e) {
        if (System.nanoTime() > deadline) {
          throw new JoinRefused("cannot reach " + seed + " within " + PATIENCE.toSeconds() + " s: " + e.getMessage());
        }
        try {
          Thread.sleep(500);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new JoinRefused("interrupted");
        }
      }
    }
  }

  private static ClusterJoinResponse ask(String seed, String host, int port, JoinToken token, String ownRaftAddress)
      throws JoinRefused, Unreachable {
    X509Certificate ca;
    try {
      ca = CaProbe.fetch(host, port, token.caFingerprint(), 10_000);
    } catch (CaProbe.CaMismatch e) {
      throw new JoinRefused(e.getMessage());
    } catch (IOException e) {
      throw new Unreachable(e.toString());
    }
    ManagedChannel channel = NettyChannelBuilder.forTarget(seed, GrpcTls.anonymousClient(ca)).build();
    try {
      return ControlServiceGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS)
          .joinCluster(ClusterJoinRequest.newBuilder().setToken(token.toString()).setRaftAddress(ownRaftAddress).build());
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.UNAVAILABLE) {
        throw new Unreachable(e.getStatus().toString());
      }
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

  private static final class Unreachable extends Exception {
    Unreachable(String message) {
      super(message);
    }
  }
}
