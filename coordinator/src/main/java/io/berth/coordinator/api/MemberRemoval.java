package io.berth.coordinator.api;

import io.berth.coordinator.state.ClusterStore;
import io.berth.proto.ClusterMeta;
import io.grpc.Status;
import java.time.Duration;

/** The checks and marks of `berth cluster remove`; pure but for the errors it throws. */
final class MemberRemoval {
  /** How long a removal may wait for a Raft leader to commit it (an election or two, a busy machine). */
  static final Duration TIMEOUT = Duration.ofSeconds(30);

  private MemberRemoval() {}

  /** The id of the member named by its id or its Raft address; refuses an unknown one or the only one. */
  static String resolve(String given, ClusterStore.MembershipView group) {
    String wanted = given.trim();
    String id = null;
    for (String m : group.members()) {
      if (m.equals(wanted) || group.raftAddresses().getOrDefault(m, "").equals(wanted)) {
        id = m;
      }
    }
    if (id == null) {
      throw Status.NOT_FOUND.withDescription("no member " + (wanted.isEmpty() ? "''" : wanted)
          + " in the Raft configuration; its members are " + group.members() + " (`berth cluster status`)")
          .asRuntimeException();
    }
    if (group.members().size() == 1) {
      throw Status.FAILED_PRECONDITION.withDescription("member " + id + " is the cluster's only member: removing "
          + "it would leave no Raft group (add another with --join first)").asRuntimeException();
    }
    return id;
  }

  static ClusterMeta mark(ClusterMeta meta, String id) {
    if (meta.getRemovedMembersList().contains(id)) {
      return meta;
    }
    return meta.toBuilder().addRemovedMembers(id).build();
  }

  static ClusterMeta readmit(ClusterMeta meta, String id) {
    if (!meta.getRemovedMembersList().contains(id)) {
      return meta;
    }
    ClusterMeta.Builder b = meta.toBuilder().clearRemovedMembers();
    meta.getRemovedMembersList().stream().filter(m -> !m.equals(id)).forEach(b::addRemovedMembers);
    return b.build();
  }
}
