package io.berth.coordinator.state;

/**
 * Whether a Raft server has stopped applying its log: its applied index trails the commit index
 * and has not moved for {@code patienceNanos}. Atomix 3.1.12 can get there on its own (its
 * service manager logs "Cannot apply index N" when its log reader is elsewhere and then never
 * applies N): the member still votes and replicates, but its replica, and so its DNS and reads,
 * stop at N. A healthy member applies a committed entry within milliseconds. Pure: the caller
 * passes the clock.
 */
final class ApplyProgress {
  private final long patienceNanos;
  private long lastApplied = -1;
  private long movedAtNanos;

  ApplyProgress(long patienceNanos) {
    this.patienceNanos = patienceNanos;
  }

  /** Records the indexes seen at {@code nowNanos}; true when the applied index is stuck behind the commit. */
  synchronized boolean stalled(long commitIndex, long appliedIndex, long nowNanos) {
    if (appliedIndex != lastApplied || appliedIndex >= commitIndex) {
      lastApplied = appliedIndex;
      movedAtNanos = nowNanos;
      return false;
    }
    return nowNanos - movedAtNanos >= patienceNanos;
  }
}
