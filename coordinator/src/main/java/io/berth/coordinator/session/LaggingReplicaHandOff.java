package io.berth.coordinator.session;

import io.berth.coordinator.state.ClusterStore;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands this member's agent sessions to the other coordinators while its replica is stuck behind
 * the log (see {@link ReplicaLag}), and takes sessions again once it moves. A session is served
 * from the replica: its assignments are what the replica says the node should run, and its
 * reports are written against the replica's records. A member whose replica stood still (a 1,000,000-task bench: a
 * follower's snapshot installs failed for 18 minutes) kept a third of the nodes without their new
 * tasks and their reports unwritten; the agents, told to go, redial another coordinator at once.
 * A member alone in its Raft group keeps its sessions: there is nowhere else to go.
 */
public final class LaggingReplicaHandOff {
  private static final Logger LOG = LoggerFactory.getLogger(LaggingReplicaHandOff.class);

  /**
   * A healthy member applies its own write within a second. At 1,000,000 tasks on 2 vCPUs every
   * member's replica, the leader's too, stood still for 60-134 s at times and then went on (run AB:
   * nine hand-offs at 60 s, each over 2-74 s later, nodes marked down while their agents
   * reconnected); the stalls that stranded a third of the nodes lasted 5 and 18 minutes (run Z).
   */
  public static final Duration PATIENCE = Duration.ofMinutes(3);

  private final SessionRegistry sessions;
  private final LongSupplier appliedIndex;
  private final BooleanSupplier othersToGoTo;
  private final Duration patience;
  private final LongSupplier nanoClock;
  private final ReplicaLag lag;

  /**
   * @param appliedIndex the index this member's replica has applied
   * @param othersToGoTo whether the Raft group has other members for the agents to dial
   */
  public LaggingReplicaHandOff(SessionRegistry sessions, LongSupplier appliedIndex, BooleanSupplier othersToGoTo,
      Duration patience, LongSupplier nanoClock) {
    this.sessions = sessions;
    this.appliedIndex = appliedIndex;
    this.othersToGoTo = othersToGoTo;
    this.patience = patience;
    this.nanoClock = nanoClock;
    this.lag = new ReplicaLag(patience.toNanos());
  }

  /** The hand-off of a coordinator's sessions, judged on its store's replica. */
  public static LaggingReplicaHandOff of(ClusterStore store, SessionRegistry sessions) {
    return new LaggingReplicaHandOff(sessions, () -> store.snapshot().version(),
        () -> store.membership().members().size() > 1, PATIENCE, System::nanoTime);
  }

  /** After each of this member's own writes ({@code index}: where it was committed, -1: none). */
  public void afterOwnWrite(long index) {
    long now = nanoClock.getAsLong();
    if (index > 0) {
      lag.wrote(index, now);
    }
    long applied = appliedIndex.getAsLong();
    boolean stuck = lag.stuck(applied, now);
    // Only while the cluster commits this member's writes: with no leader nobody is ahead to go to.
    if (stuck && index > 0 && sessions.refusal().isEmpty() && othersToGoTo.getAsBoolean()) {
      LOG.warn("handing {} agent sessions to the other coordinators: this member's replica has stood at {} "
          + "for {} s while its own writes were committed", sessions.connectedCount(), applied, patience.toSeconds());
      sessions.refuse("this coordinator is behind the cluster's log (its replica at " + applied
          + "): dial another coordinator");
    } else if (!stuck && sessions.refusal().isPresent()) {
      LOG.info("this member's replica moves again (at {}): taking agent sessions again", applied);
      sessions.serve();
    }
  }
}
