package io.berth.coordinator.session;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Whether this member's replica stands still while the cluster moves on, judged by its own
 * writes: a write it made was committed at a known index, so a replica that has not applied that
 * index, and has applied nothing at all, for {@code patience} is stuck behind the cluster. Needs
 * no word from the leader (a member whose snapshot installs keep failing hears none that says how
 * far behind it is). A replica that is slow but moving, or one held up with the rest of the
 * cluster by an election, is not stuck: handing its sessions off for that (tried at 1,000,000
 * tasks with "behind" alone) moved thousands of agents for a lag that ended seconds later, and
 * nodes were marked down while they reconnected. Pure: the caller passes the indexes and the clock.
 */
final class ReplicaLag {
  /** At most this many writes are remembered; one a second covers the patience many times over. */
  private static final int REMEMBERED = 1024;

  private record Write(long index, long atNanos) {}

  private final long patienceNanos;
  private final Deque<Write> unapplied = new ArrayDeque<>();
  private long lastApplied = -1;
  private long movedAtNanos;

  ReplicaLag(long patienceNanos) {
    this.patienceNanos = patienceNanos;
  }

  /** This member's own write, committed at {@code index} at {@code nowNanos}. */
  synchronized void wrote(long index, long nowNanos) {
    if (unapplied.size() == REMEMBERED) {
      unapplied.removeLast(); // the oldest stays: it is the one that says how long the lag is
    }
    unapplied.addLast(new Write(index, nowNanos));
  }

  /**
   * True when the replica, at {@code appliedIndex}, still lacks a write committed {@code patience}
   * ago and has not moved for as long.
   */
  synchronized boolean stuck(long appliedIndex, long nowNanos) {
    if (appliedIndex != lastApplied) {
      lastApplied = appliedIndex;
      movedAtNanos = nowNanos;
    }
    while (!unapplied.isEmpty() && unapplied.peekFirst().index() <= appliedIndex) {
      unapplied.removeFirst();
    }
    return !unapplied.isEmpty() && nowNanos - unapplied.peekFirst().atNanos() >= patienceNanos
        && nowNanos - movedAtNanos >= patienceNanos;
  }
}
