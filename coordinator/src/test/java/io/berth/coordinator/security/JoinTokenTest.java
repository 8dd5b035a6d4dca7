package io.berth.coordinator.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.proto.ClusterMeta;
import org.junit.jupiter.api.Test;

class JoinTokenTest {
  private static final String CA = "ab".repeat(32);

  private static ClusterMeta meta(String secret) {
    return ClusterMeta.newBuilder().setCaFingerprint(CA).setJoinSecretSha256(JoinToken.secretHash(secret)).build();
  }

  @Test
  void parsesAndPrintsTheSameToken() {
    JoinToken t = JoinToken.parse("BERTH1-" + CA + "-s3cret");
    assertEquals(CA, t.caFingerprint());
    assertEquals("s3cret", t.secret());
    assertEquals("BERTH1-" + CA + "-s3cret", t.toString());
  }

  @Test
  void refusesMalformedTokens() {
    assertThrows(IllegalArgumentException.class, () -> JoinToken.parse("BERTH2-" + CA + "-x"));
    assertThrows(IllegalArgumentException.class, () -> JoinToken.parse("BERTH1-abc-x"));
    assertThrows(IllegalArgumentException.class, () -> JoinToken.parse("BERTH1-" + "zz".repeat(32) + "-x"));
    assertThrows(IllegalArgumentException.class, () -> JoinToken.parse("BERTH1-" + CA + "-"));
  }

  @Test
  void admittedOnlyWithTheCurrentSecretAndTheRightCa() {
    String secret = JoinToken.newSecret();
    assertTrue(new JoinToken(CA, secret).admittedBy(meta(secret)));
    assertFalse(new JoinToken(CA, JoinToken.newSecret()).admittedBy(meta(secret)), "forged secret");
    assertFalse(new JoinToken("cd".repeat(32), secret).admittedBy(meta(secret)), "other cluster's CA");
    String rotated = JoinToken.newSecret();
    assertFalse(new JoinToken(CA, secret).admittedBy(meta(rotated)), "old secret after rotation");
  }

  @Test
  void theStoredHashIsNotTheSecret() {
    String secret = JoinToken.newSecret();
    String hash = JoinToken.secretHash(secret);
    assertEquals(64, hash.length());
    assertFalse(hash.contains(secret));
    assertEquals(hash, JoinToken.secretHash(secret), "deterministic, so any member can check it");
    assertFalse(meta(secret).toString().contains(secret));
  }
}
