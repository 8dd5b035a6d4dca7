package io.berth.coordinator.session;

import io.berth.proto.HeldSession;
import io.berth.proto.HeldSessionsRequest;
import io.berth.proto.HeldSessionsResponse;
import io.berth.proto.MemberServiceGrpc;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.TimeUnit;

/**
 * Tells another coordinator (the leader) which agent sessions this one holds, straight from
 * memory: it must answer while this member's writes to the replicated state are slow.
 */
public final class HeldSessionsService extends MemberServiceGrpc.MemberServiceImplBase {
  private final SessionRegistry sessions;

  public HeldSessionsService(SessionRegistry sessions) {
    this.sessions = sessions;
  }

  @Override
  public void heldSessions(HeldSessionsRequest request, StreamObserver<HeldSessionsResponse> reply) {
    long now = System.nanoTime();
    HeldSessionsResponse.Builder b = HeldSessionsResponse.newBuilder();
    for (String node : sessions.connectedNodes()) {
      sessions.lastSeenNanos(node).ifPresent(seen -> b.addSessions(HeldSession.newBuilder()
          .setNode(node)
          .setQuietMillis(TimeUnit.NANOSECONDS.toMillis(Math.max(0, now - seen)))
          .setHeartbeatIntervalMs(sessions.heartbeatIntervalMs(node))));
    }
    reply.onNext(b.build());
    reply.onCompleted();
  }
}
