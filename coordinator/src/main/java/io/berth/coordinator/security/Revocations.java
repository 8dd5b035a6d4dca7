package io.berth.coordinator.security;

import io.berth.proto.ClusterMeta;
import io.berth.proto.RevokedNode;
import io.berth.tls.PeerIdentity;
import io.berth.tls.PeerRole;
import java.time.Instant;
import java.util.Optional;

/**
 * The revocation list in the replicated cluster identity: a removed node's certificates issued up
 * to its removal are refused (its renewals too); a certificate issued later (the node enrolled
 * again with a token) is not. Compared on certificate start times, which have second precision.
 */
public final class Revocations {
  private Revocations() {}

  /** The revocation that refuses this certificate holder, if any. */
  public static Optional<RevokedNode> refusing(ClusterMeta meta, PeerIdentity who) {
    if (who.role() != PeerRole.NODE) {
      return Optional.empty();
    }
    for (RevokedNode r : meta.getRevokedNodesList()) {
      if (r.getNode().equals(who.name()) && !who.notBefore().isAfter(Instant.ofEpochMilli(r.getRevokedAtMs()))) {
        return Optional.of(r);
      }
    }
    return Optional.empty();
  }

  /** The meta with {@code node} revoked as of {@code now} (replacing an earlier revocation of it). */
  public static ClusterMeta revoke(ClusterMeta meta, String node, Instant now) {
    ClusterMeta.Builder b = meta.toBuilder().clearRevokedNodes();
    for (RevokedNode r : meta.getRevokedNodesList()) {
      if (!r.getNode().equals(node)) {
        b.addRevokedNodes(r);
      }
    }
    return b.addRevokedNodes(RevokedNode.newBuilder().setNode(node).setRevokedAtMs(now.toEpochMilli())).build();
  }

  /**
   * When a certificate issued now for {@code node} may start: not before the node's last
   * revocation (plus a second, as certificate times have second precision).
   */
  public static Instant startOfNewCertificate(ClusterMeta meta, String node, Instant earliest) {
    Instant start = earliest;
    for (RevokedNode r : meta.getRevokedNodesList()) {
      if (r.getNode().equals(node)) {
        Instant after = Instant.ofEpochMilli(r.getRevokedAtMs()).plusSeconds(1);
        if (after.isAfter(start)) {
          start = after;
        }
      }
    }
    return start;
  }
}
