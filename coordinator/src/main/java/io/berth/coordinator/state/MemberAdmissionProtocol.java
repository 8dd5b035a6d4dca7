package io.berth.coordinator.state;

import io.atomix.cluster.MemberId;
import io.atomix.cluster.messaging.ClusterCommunicationService;
import io.atomix.protocols.raft.RaftError;
import io.atomix.protocols.raft.protocol.JoinRequest;
import io.atomix.protocols.raft.protocol.JoinResponse;
import io.atomix.protocols.raft.protocol.RaftResponse;
import io.atomix.utils.serializer.Serializer;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The Raft transport (with {@link StickyLeaderProtocol}'s stickiness) that keeps removed members
 * out: a Raft join request from a member `berth cluster remove` took out is refused with why, by
 * whichever member receives it (Atomix would add any member that asks, so a removed member
 * restarted on its old data dir would put itself back). On the joining side it keeps the first
 * such refusal, so a refused member fails at once with the reason instead of retrying forever.
 */
final class MemberAdmissionProtocol extends StickyLeaderProtocol {
  static final String REMOVED = "removed from the cluster";

  private final Function<MemberId, Optional<String>> refusal;
  private final CompletableFuture<String> refused = new CompletableFuture<>();

  /** @param refusal why a member may not join (empty: it may) */
  MemberAdmissionProtocol(String prefix, Serializer serializer, ClusterCommunicationService messaging, Duration window,
      Function<MemberId, Optional<String>> refusal) {
    super(prefix, serializer, messaging, window);
    this.refusal = refusal;
  }

  @Override
  public void registerJoinHandler(Function<JoinRequest, CompletableFuture<JoinResponse>> handler) {
    super.registerJoinHandler(request -> {
      Optional<String> why = refusal.apply(request.member().memberId());
      if (why.isPresent()) {
        return CompletableFuture.completedFuture(JoinResponse.builder()
            .withStatus(RaftResponse.Status.ERROR)
            .withError(RaftError.Type.ILLEGAL_MEMBER_STATE, why.get())
            .build());
      }
      return handler.apply(request);
    });
  }

  @Override
  public CompletableFuture<JoinResponse> join(MemberId memberId, JoinRequest request) {
    return super.join(memberId, request).whenComplete((response, error) -> {
      if (response != null && response.status() == RaftResponse.Status.ERROR && response.error() != null
          && response.error().message() != null && response.error().message().contains(REMOVED)) {
        refused.complete(response.error().message());
      }
    });
  }

  /** Completes with the reason when a member refused this member's Raft join. */
  CompletableFuture<String> joinRefused() {
    return refused;
  }
}
