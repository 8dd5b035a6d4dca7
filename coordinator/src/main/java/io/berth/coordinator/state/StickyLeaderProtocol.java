package io.berth.coordinator.state;

import io.atomix.cluster.messaging.ClusterCommunicationService;
import io.atomix.protocols.raft.partition.impl.RaftServerCommunicator;
import io.atomix.protocols.raft.protocol.AppendRequest;
import io.atomix.protocols.raft.protocol.AppendResponse;
import io.atomix.protocols.raft.protocol.PollRequest;
import io.atomix.protocols.raft.protocol.PollResponse;
import io.atomix.protocols.raft.protocol.RaftResponse;
import io.atomix.utils.serializer.Serializer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Atomix's Raft transport with leader stickiness (etcd's pre-vote check): a member that has heard
 * from a leader within the window refuses another member's poll. Atomix accepts any poll from a
 * member whose log is up to date, so one follower stalled for an election timeout (a busy 2-core
 * machine, a GC pause) deposed a healthy leader; with this, it takes a majority that has lost the
 * leader. A dead leader is unaffected: nobody hears it, so polls pass once the window is over.
 */
class StickyLeaderProtocol extends RaftServerCommunicator {
  private final long windowNanos;
  private volatile long lastAppendNanos = System.nanoTime() - Long.MAX_VALUE / 2;

  StickyLeaderProtocol(String prefix, Serializer serializer, ClusterCommunicationService messaging, Duration window) {
    super(prefix, serializer, messaging);
    this.windowNanos = window.toNanos();
  }

  @Override
  public void registerAppendHandler(Function<AppendRequest, CompletableFuture<AppendResponse>> handler) {
    super.registerAppendHandler(request -> {
      lastAppendNanos = System.nanoTime();
      return handler.apply(request);
    });
  }

  @Override
  public void registerPollHandler(Function<PollRequest, CompletableFuture<PollResponse>> handler) {
    super.registerPollHandler(request -> {
      if (System.nanoTime() - lastAppendNanos < windowNanos) {
        return CompletableFuture.completedFuture(PollResponse.builder()
            .withStatus(RaftResponse.Status.OK)
            .withTerm(request.term())
            .withAccepted(false)
            .build());
      }
      return handler.apply(request);
    });
  }
}
