package io.berth.coordinator.api;

import io.berth.coordinator.MemberIdentity;
import io.berth.coordinator.leader.MemberWatch;
import io.berth.coordinator.security.ClusterJoins;
import io.berth.coordinator.state.ClusterStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The Raft group for {@link ClusterJoins}: the listed members while it forms, then its live configuration. */
public final class GroupRoster {
  /** A member record older than this is a member that is down. */
  static final long FRESH_NANOS = 3_000_000_000L;

  private GroupRoster() {}

  /** While this member's Raft is starting: the members it was created with; only this one is known to be up. */
  public static ClusterJoins.Roster forming(List<String> peers, String selfId) {
    List<String> listed = List.copyOf(peers);
    return new ClusterJoins.Roster() {
      @Override
      public List<String> raftAddresses() {
        return listed;
      }

      @Override
      public Optional<String> memberAt(String raftAddress) {
        return listed.contains(raftAddress) ? Optional.of(MemberIdentity.idOf(raftAddress)) : Optional.empty();
      }

      @Override
      public boolean live(String memberId) {
        return memberId.equals(selfId);
      }

      @Override
      public boolean acceptsNewMembers() {
        return false;
      }
    };
  }

  /** Once the store is up: the Raft configuration, and member records to tell who is up. */
  public static ClusterJoins.Roster running(ClusterStore store, MemberWatch members) {
    return new ClusterJoins.Roster() {
      @Override
      public List<String> raftAddresses() {
        return new ArrayList<>(addresses().values());
      }

      @Override
      public Optional<String> memberAt(String raftAddress) {
        return addresses().entrySet().stream().filter(e -> e.getValue().equals(raftAddress)
            || e.getKey().equals(MemberIdentity.idOf(raftAddress))).map(Map.Entry::getKey).findFirst();
      }

      @Override
      public boolean live(String memberId) {
        return memberId.equals(store.membership().self()) || members.fresh(memberId, FRESH_NANOS);
      }

      @Override
      public boolean acceptsNewMembers() {
        return true;
      }

      private Map<String, String> addresses() {
        return store.membership().raftAddresses();
      }
    };
  }
}
