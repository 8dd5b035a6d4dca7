package io.berth.coordinator.leader;

import io.berth.proto.HeldSession;
import io.berth.proto.HeldSessionsRequest;
import io.berth.proto.MemberRecord;
import io.berth.proto.MemberServiceGrpc;
import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link MemberProbe} over the members' gRPC endpoints, with this member's certificate. */
public final class GrpcMemberProbe implements MemberProbe {
  private static final Logger LOG = LoggerFactory.getLogger(GrpcMemberProbe.class);

  private final ChannelCredentials credentials;
  private final Duration timeout;
  private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();

  public GrpcMemberProbe(ChannelCredentials credentials, Duration timeout) {
    this.credentials = credentials;
    this.timeout = timeout;
  }

  @Override
  public Optional<Map<String, Held>> heldSessions(MemberRecord member) {
    ManagedChannel channel = channels.computeIfAbsent(member.getGrpcEndpoint(),
        endpoint -> NettyChannelBuilder.forTarget(endpoint, credentials).build());
    try {
      Map<String, Held> held = new HashMap<>();
      for (HeldSession s : MemberServiceGrpc.newBlockingStub(channel)
          .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
          .heldSessions(HeldSessionsRequest.getDefaultInstance())
          .getSessionsList()) {
        held.put(s.getNode(),
            new Held(Duration.ofMillis(s.getQuietMillis()), Duration.ofMillis(s.getHeartbeatIntervalMs())));
      }
      return Optional.of(held);
    } catch (StatusRuntimeException e) {
      LOG.info("member {} at {} did not say which sessions it holds: {}", member.getId(), member.getGrpcEndpoint(),
          e.getStatus());
      return Optional.empty();
    }
  }

  @Override
  public void close() {
    channels.values().forEach(ManagedChannel::shutdownNow);
    channels.clear();
  }
}
