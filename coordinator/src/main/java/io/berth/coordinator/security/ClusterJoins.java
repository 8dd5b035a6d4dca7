package io.berth.coordinator.security;

import io.berth.proto.ClusterJoinRequest;
import io.berth.proto.ClusterJoinResponse;
import io.berth.proto.ClusterMeta;
import io.grpc.Status;
import java.util.List;

/**
 * Answers a coordinator that joins with the token: the members, the cluster identity, and the CA
 * with its key (every coordinator signs certificates). The caller checked our CA against the
 * token's fingerprint before sending the secret, and this answer travels only over that TLS.
 */
public final class ClusterJoins {
  private final ClusterSecrets secrets;
  private final List<String> peers;

  public ClusterJoins(ClusterSecrets secrets, List<String> peers) {
    this.secrets = secrets;
    this.peers = List.copyOf(peers);
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
    if (!peers.contains(request.getRaftAddress())) {
      throw Status.FAILED_PRECONDITION.withDescription("this cluster's members are " + peers + " and "
          + request.getRaftAddress() + " is not one of them: membership is fixed when the cluster is created "
          + "(--peers); --join brings in a listed member").asRuntimeException();
    }
    return ClusterJoinResponse.newBuilder()
        .addAllPeers(peers)
        .setCaPem(secrets.ca().certificatePem())
        .setCaKeyPem(secrets.ca().keyPemForMember())
        .setMeta(meta.toBuilder().clearRevokedNodes().clearJoinSecret())
        .build();
  }
}
