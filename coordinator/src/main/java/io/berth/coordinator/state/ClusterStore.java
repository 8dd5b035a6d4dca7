package io.berth.coordinator.state;

import io.berth.proto.ClusterMeta;
import io.berth.proto.JobState;
import io.berth.proto.LeaderLease;
import io.berth.proto.MemberRecord;
import io.berth.proto.NodeRecord;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * The replicated cluster state. Writes go through consensus and are durable when they return;
 * reads of {@link #snapshot()} come from this member's replica and may trail the latest write
 * by a moment ({@link #awaitVersion} closes that gap when it matters).
 */
public interface ClusterStore extends AutoCloseable {

  /** This member's current view of the whole state. */
  ClusterSnapshot snapshot();

  /** Called (on one thread, in order) with every new snapshot. */
  void addListener(Consumer<ClusterSnapshot> listener);

  /** Blocks until the local snapshot includes the write that returned {@code version}. */
  ClusterSnapshot awaitVersion(long version, Duration timeout);

  Optional<ClusterMeta> meta();

  /** Writes the cluster identity once; returns the one that was stored (an earlier one wins). */
  ClusterMeta initMeta(ClusterMeta meta);

  /** Inserts or replaces this coordinator's own member record. */
  long putMember(MemberRecord member);

  /**
   * Replaces the leader lease if it still is {@code expected} (null: if there is none yet).
   * Reads the lease linearizably, so a holder that lost it learns so here.
   */
  boolean compareAndSetLease(LeaderLease expected, LeaderLease next);

  /** Inserts or replaces a node record; returns the state version of the write. */
  long putNode(NodeRecord node);

  /** Deletes a node record (berth node rm); false if there was none. */
  boolean removeNode(String name);

  /**
   * Changes the cluster identity atomically (compare-and-set, retried): token rotation and
   * revocations. Returns what was written.
   */
  ClusterMeta updateMeta(UnaryOperator<ClusterMeta> change);

  /**
   * Changes one job atomically: reads its latest state, applies {@code change}, and writes only if
   * nobody wrote it in between (retrying otherwise). {@code change} gets null for a job that does
   * not exist and returns null to delete it or the same object to write nothing.
   *
   * @return the outcome: the state written and the version of the write
   */
  JobWrite updateJob(JobKey key, UnaryOperator<JobState> change);

  /** The result of {@link #updateJob}: {@code written} is false when the change was a no-op. */
  record JobWrite(JobState state, long version, boolean written) {}

  /** How this store's consensus group looks from here (for `berth cluster status`). */
  MembershipView membership();

  @Override
  void close();

  /** The Raft group as seen by this member. */
  record MembershipView(String self, java.util.List<String> members, String raftLeader, long term) {}

  /** Thrown when a write could not be made durable (no quorum, timeout). */
  final class StoreUnavailableException extends RuntimeException {
    public StoreUnavailableException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  static Duration defaultTimeout() {
    return Duration.ofSeconds(10);
  }
}
