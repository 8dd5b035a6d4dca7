package io.berth.coordinator.session;

import io.berth.coordinator.state.ClusterStore;
import io.berth.proto.MemberRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rewrites this coordinator's member record every tick: it tells agents and the DNS where this
 * coordinator is, and tells the leader which nodes it holds sessions with. The record moving at
 * all is the coordinator's heartbeat.
 */
public final class MemberPublisher {
  private static final Logger LOG = LoggerFactory.getLogger(MemberPublisher.class);

  private final ClusterStore store;
  private final SessionRegistry sessions;
  private final MemberRecord identity;
  private long seq;

  public MemberPublisher(ClusterStore store, SessionRegistry sessions, MemberRecord identity) {
    this.store = store;
    this.sessions = sessions;
    this.identity = identity;
  }

  /** Writes the record; returns the index it was committed at, or -1 when it could not be written now. */
  public long publish() {
    try {
      ClusterStore.MembershipView raft = store.membership();
      return store.putMember(identity.toBuilder()
          .clearConnectedNodes()
          .addAllConnectedNodes(sessions.connectedNodes())
          .setRefreshedSeq(++seq)
          .setCommitIndex(raft.commitIndex())
          .setAppliedIndex(raft.raftApplied())
          .setApplyStalled(raft.applyStalled())
          .build());
    } catch (RuntimeException e) {
      LOG.debug("member record not refreshed: {}", e.toString());
      return -1;
    }
  }
}
