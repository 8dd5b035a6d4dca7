package io.berth.coordinator.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.proto.ClusterMeta;
import io.berth.tls.PeerIdentity;
import io.berth.tls.PeerRole;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RevocationsTest {
  private static final Instant T = Instant.parse("2026-01-01T12:00:00Z");

  private static PeerIdentity node(String name, Instant notBefore) {
    return new PeerIdentity(PeerRole.NODE, name, "1", notBefore, notBefore.plusSeconds(3600));
  }

  @Test
  void certificatesIssuedUpToTheRemovalAreRefusedLaterOnesAreNot() {
    ClusterMeta m = Revocations.revoke(ClusterMeta.getDefaultInstance(), "n1", T);
    assertTrue(Revocations.refusing(m, node("n1", T.minusSeconds(60))).isPresent());
    assertTrue(Revocations.refusing(m, node("n1", T)).isPresent(), "same instant: refused");
    assertFalse(Revocations.refusing(m, node("n1", T.plusSeconds(1))).isPresent());
    assertFalse(Revocations.refusing(m, node("n2", T.minusSeconds(60))).isPresent(), "other nodes undisturbed");
    assertFalse(Revocations.refusing(m, new PeerIdentity(PeerRole.ADMIN, "n1", "1", T, T)).isPresent());
  }

  @Test
  void aNewCertificateStartsAfterTheLastRevocation() {
    ClusterMeta m = Revocations.revoke(ClusterMeta.getDefaultInstance(), "n1", T);
    Instant start = Revocations.startOfNewCertificate(m, "n1", T.minusSeconds(10));
    assertEquals(T.plusSeconds(1), start);
    assertFalse(Revocations.refusing(m, node("n1", start)).isPresent());
    assertEquals(T.minusSeconds(10), Revocations.startOfNewCertificate(m, "n2", T.minusSeconds(10)));
  }

  @Test
  void revokingAgainReplacesTheEntry() {
    ClusterMeta m = Revocations.revoke(Revocations.revoke(ClusterMeta.getDefaultInstance(), "n1", T), "n1", T.plusSeconds(60));
    assertEquals(1, m.getRevokedNodesCount());
    assertTrue(Revocations.refusing(m, node("n1", T.plusSeconds(30))).isPresent());
  }
}
