package io.berth.coordinator.state;

import io.berth.proto.ClusterMeta;
import io.berth.proto.JobState;
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
   * Claims coordinator leadership for {@code member} at {@code epoch} (its Raft term). The state
   * machine keeps the highest claim; a claim not higher than the current one is refused.
   *
   * @return the state version of the claim when it was accepted, or -1 when refused
   */
  long claimLeadership(String member, long epoch);

  /**
   * A view of this store whose writes apply only while {@code epoch} is still the claimed leader
   * epoch; once a newer leader claimed, they fail with {@link FencedOutException}. The
   * leader-only loops write through it.
   */
  ClusterStore fencedAt(long epoch);

  /** Told (on one thread, in order) when this member's Raft server becomes or stops being leader. */
  void addRaftRoleListener(RaftRoleListener listener);

  /** Raft role changes of this member. */
  interface RaftRoleListener {
    void onRaftLeader(long term);

    void onRaftFollower();
  }

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
   * Changes one job atomically: reads its latest state, applies {@code change}, and writes what
   * differs (the job record, the tasks that changed) only if none of it, nor the job record, was
   * written in between (retrying otherwise). Costs the size of the job to compare: frequent
   * task-level writes use {@link #update}. {@code change} gets null for a job that does
   * not exist and returns null to delete it or the same object to write nothing.
   *
   * @return the outcome: the state written and the version of the write
   */
  JobWrite updateJob(JobKey key, UnaryOperator<JobState> change);

  /** The result of {@link #updateJob}: {@code written} is false when the change was a no-op. */
  record JobWrite(JobState state, long version, boolean written) {}

  /**
   * Changes several jobs in one atomic write (one Raft log entry), as {@link #updateJob} does for
   * one: all of them change, or, when any moved in between, none and it tries again.
   *
   * @return the state version of the write, or -1 when every change was a no-op
   */
  long updateJobs(java.util.Map<JobKey, UnaryOperator<JobState>> changes);

  /**
   * Writes task and job records in one atomic write (one Raft log entry), each record on its own:
   * {@code change} reads the latest snapshot and says what to write; the write applies only if none
   * of the records it names moved in between, else {@code change} is called again on a newer
   * snapshot. A batch of task reports or a plan's placements costs their own size, not their jobs'.
   *
   * @return the state version of the write, or -1 when the change wrote nothing
   */
  long update(java.util.function.Function<ClusterSnapshot, StateChange> change);

  /** How this store's consensus group looks from here (for `berth cluster status`). */
  MembershipView membership();

  /**
   * Takes a member out of the Raft configuration (a configuration change through the Raft
   * leader; the member may be dead). Returns once the change is committed; a member that is not
   * in the configuration is a no-op.
   *
   * @throws IllegalArgumentException when it is the configuration's last voter
   * @throws StoreUnavailableException when no leader committed the change in time (no quorum)
   */
  void removeFromRaft(String memberId, Duration timeout);

  /** Deletes a coordinator's member record (after it left the Raft group); false if there was none. */
  boolean deleteMember(String memberId);

  /**
   * True when the cluster identity marks {@code memberId} removed by a write made after this
   * member entered the Raft configuration it started with. A mark from before does not count: it
   * is an earlier member at the same address, seen while this one replays the log (the token join
   * that let this one in cleared it later in the log).
   */
  boolean removedSinceStart(String memberId);

  @Override
  void close();

  /**
   * The Raft group as seen by this member.
   *
   * @param members the ids in the Raft configuration (voters and members still joining)
   * @param appliedIndex the index this member's replica view has applied (Berth's commands)
   * @param raftAddresses each member's Raft address as far as this member knows it
   * @param joining members added but not yet voters
   * @param raftApplied the last index this member's Raft server applied (any entry)
   * @param applyStalled this member's Raft server stopped applying (see ApplyProgress)
   */
  record MembershipView(String self, java.util.List<String> members, String raftLeader, long term,
      long commitIndex, long appliedIndex, java.util.Map<String, String> raftAddresses,
      java.util.Set<String> joining, long raftApplied, boolean applyStalled) {}

  /** Thrown when a write could not be made durable (no quorum, timeout). */
  final class StoreUnavailableException extends RuntimeException {
    public StoreUnavailableException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** Thrown by a {@link #fencedAt fenced} write after a newer leader claimed: nothing was written. */
  final class FencedOutException extends RuntimeException {
    public FencedOutException(String message) {
      super(message);
    }
  }

  static Duration defaultTimeout() {
    return Duration.ofSeconds(10);
  }
}
