package io.berth.coordinator.api;

import io.berth.coordinator.state.ClusterStore;
import io.berth.proto.MemberRecord;

/**
 * How one member of the Raft group is doing, for `berth cluster status`: unreachable when its
 * member record stopped moving, stuck when it reports (or, for the answering member, shows) an
 * applied index that stopped behind its commit index, catching up while it joins.
 */
record MemberHealth(boolean healthy, String text, long commitIndex, long appliedIndex) {

  static MemberHealth of(String id, ClusterStore.MembershipView group, MemberRecord record, boolean fresh) {
    boolean self = id.equals(group.self());
    long commit = self ? group.commitIndex() : record == null ? 0 : record.getCommitIndex();
    long applied = self ? group.raftApplied() : record == null ? 0 : record.getAppliedIndex();
    boolean stalled = self ? group.applyStalled() : record != null && record.getApplyStalled();
    if (!self && !fresh) {
      return new MemberHealth(false, "unreachable", commit, applied);
    }
    if (stalled) {
      return new MemberHealth(false, "applying stuck at " + applied + " (commit " + commit + ")", commit, applied);
    }
    if (group.joining().contains(id)) {
      return new MemberHealth(true, "catching up", commit, applied);
    }
    return new MemberHealth(true, "healthy", commit, applied);
  }
}
