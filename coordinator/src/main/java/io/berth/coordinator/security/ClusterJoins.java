package io.berth.coordinator.security;

import io.berth.proto.ClusterJoinRequest;
import io.berth.proto.ClusterJoinResponse;
import io.berth.proto.ClusterMeta;
import io.grpc.Status;
import java.util.List;
import java.util.Optional;

/**
 * Answers a coordinator that joins with the token: the members, the cluster identity, and the CA
 * with its key (every coordinator signs certificates). The caller checked our CA against the
 * token's fingerprint before sending the secret, and this answer travels only over that TLS.
 *
 * <p>A joiner at the Raft address of a configured member is that member (its first start in a
 * new group, or a lost disk): it bootstraps with the members. One at a new address is added to
 * the running group: its Raft server asks the leader for a configuration change. An address of a
 * member that is up is taken.
 */
public final class ClusterJoins {
  private final ClusterSecrets secrets;
  private final Roster roster;

  /** Who is in the Raft group, as the answering member sees it. */
  public interface Roster {
    /** The Raft addresses of the members in the configuration. */
    List<String> raftAddresses();

    /** The id of the configured member at that Raft address. */
    Optional<String> memberAt(String raftAddress);

    /** True when that member is up (it is this one, or its member record is fresh). */
    boolean live(String memberId);

    /** False while the group is being created: only its listed members may join then. */
    boolean acceptsNewMembers();
  }

  public ClusterJoins(ClusterSecrets secrets, Roster roster) {
    this.secrets = secrets;
    this.roster = roster;
  }

  /** @param meta the stored cluster identity, or the one this member proposes while none is stored */
  public ClusterJoinResponse answer(ClusterJoinRequest request, ClusterMeta meta) {
    boolean ok;
    try {
      ok = JoinToken.parse(request.getToken()).admittedBy(meta);
    } catch (IllegalArgumentException e) {
      ok = false;
    }
    if (!ok) {
      throw Status.UNAUTHENTICATED.withDescription("the join token is not valid for this cluster (wrong or "
          + "rotated secret): use the current token (`berth token rotate` makes one)").asRuntimeException();
    }
    String address = request.getRaftAddress();
    List<String> peers = roster.raftAddresses();
    Optional<String> existing = roster.memberAt(address);
    if (existing.isPresent() && roster.live(existing.get())) {
      throw Status.ALREADY_EXISTS.withDescription("Raft address " + address + " is taken by member " + existing.get()
          + ", which is up: give the new member its own --advertise/--raft-port, or, to replace that member, stop it "
          + "and `berth cluster remove " + existing.get() + "` first").asRuntimeException();
    }
    if (existing.isEmpty() && !roster.acceptsNewMembers()) {
      throw Status.FAILED_PRECONDITION.withDescription("this cluster is still being created with the members " + peers
          + " and " + address + " is not one of them: add members with --join once it is up").asRuntimeException();
    }
    return ClusterJoinResponse.newBuilder()
        .addAllPeers(peers)
        .setAddMember(existing.isEmpty())
        .setCaPem(secrets.ca().certificatePem())
        .setCaKeyPem(secrets.ca().keyPemForMember())
        .setMeta(meta.toBuilder().clearRevokedNodes().clearJoinSecret().clearRemovedMembers())
        .build();
  }
}
