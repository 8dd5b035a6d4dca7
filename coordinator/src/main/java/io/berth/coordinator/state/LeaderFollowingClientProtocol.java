package io.berth.coordinator.state;

import io.atomix.cluster.MemberId;
import io.atomix.cluster.messaging.ClusterCommunicationService;
import io.atomix.protocols.raft.RaftError;
import io.atomix.protocols.raft.partition.impl.RaftClientCommunicator;
import io.atomix.protocols.raft.protocol.CommandRequest;
import io.atomix.protocols.raft.protocol.CommandResponse;
import io.atomix.protocols.raft.protocol.KeepAliveRequest;
import io.atomix.protocols.raft.protocol.KeepAliveResponse;
import io.atomix.protocols.raft.protocol.RaftResponse;
import io.atomix.utils.serializer.Serializer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Atomix's Raft client transport, redirected to the new leader after a failover. Atomix's session
 * client retries a command that failed (the old leader is dead, or a follower knows no leader yet)
 * only after a back-off of whole seconds (RaftSessionInvoker: 1, 1, 2, 3, 5 s), which alone made
 * every failover cost more than a second. Here a command or keep-alive that fails that way waits
 * until this member's own Raft server knows a leader (elections take 0.5-1 s) and is sent to it at
 * once. It is the same request (same session and sequence number), so Raft applies it once.
 */
final class LeaderFollowingClientProtocol extends RaftClientCommunicator {
  private static final long POLL_MILLIS = 10;

  private final Supplier<MemberId> leader;
  private final long waitNanos;
  private final ScheduledExecutorService timer;

  /**
   * @param leader the leader this member's Raft server knows, null while it knows none
   * @param wait how long to wait for a leader before letting Atomix's own retry take over
   */
  LeaderFollowingClientProtocol(String prefix, Serializer serializer, ClusterCommunicationService messaging,
      Supplier<MemberId> leader, Duration wait, ScheduledExecutorService timer) {
    super(prefix, serializer, messaging);
    this.leader = leader;
    this.waitNanos = wait.toNanos();
    this.timer = timer;
  }

  @Override
  public CompletableFuture<CommandResponse> command(MemberId memberId, CommandRequest request) {
    return redirecting(memberId, m -> super.command(m, request));
  }

  @Override
  public CompletableFuture<KeepAliveResponse> keepAlive(MemberId memberId, KeepAliveRequest request) {
    return redirecting(memberId, m -> super.keepAlive(m, request));
  }

  private <R extends RaftResponse> CompletableFuture<R> redirecting(MemberId target,
      Function<MemberId, CompletableFuture<R>> send) {
    CompletableFuture<R> result = new CompletableFuture<>();
    send.apply(target).whenComplete((response, error) -> {
      if (!leaderless(response, error)) {
        complete(result, response, error);
        return;
      }
      long deadline = System.nanoTime() + waitNanos;
      awaitLeader(target, error != null, deadline, m -> send.apply(m).whenComplete((r, e) -> complete(result, r, e)),
          () -> complete(result, response, error));
    });
    return result;
  }

  /** A failure to reach the member, or a member that knows no leader: what a failover looks like. */
  private static boolean leaderless(RaftResponse response, Throwable error) {
    if (error != null) {
      return true;
    }
    if (response.status() != RaftResponse.Status.ERROR || response.error() == null) {
      return false;
    }
    RaftError.Type type = response.error().type();
    return type == RaftError.Type.NO_LEADER || type == RaftError.Type.ILLEGAL_MEMBER_STATE;
  }

  private void awaitLeader(MemberId failed, boolean unreachable, long deadline,
      java.util.function.Consumer<MemberId> resend, Runnable giveUp) {
    MemberId l = leader.get();
    if (l != null && !(unreachable && l.equals(failed))) {
      resend.accept(l);
    } else if (System.nanoTime() > deadline) {
      giveUp.run();
    } else {
      timer.schedule(() -> awaitLeader(failed, unreachable, deadline, resend, giveUp), POLL_MILLIS, TimeUnit.MILLISECONDS);
    }
  }

  private static <R> void complete(CompletableFuture<R> future, R response, Throwable error) {
    if (error != null) {
      future.completeExceptionally(error);
    } else {
      future.complete(response);
    }
  }
}
