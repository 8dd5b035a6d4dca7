package io.berth.coordinator.security;

import io.berth.proto.ClusterMeta;
import io.berth.tls.Fingerprints;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The join token {@code BERTH1-<sha256 of the cluster CA certificate>-<secret>} (DESIGN.md
 * "Security"). The first part lets a joining host check it talks to the right cluster before it
 * sends anything; the secret authorizes one enrolment. Only the secret's hash is stored.
 */
public record JoinToken(String caFingerprint, String secret) {
  private static final String PREFIX = "BERTH1-";

  public static JoinToken parse(String text) {
    if (text == null || !text.startsWith(PREFIX)) {
      throw new IllegalArgumentException("a join token starts with " + PREFIX);
    }
    String rest = text.trim().substring(PREFIX.length());
    int dash = rest.indexOf('-');
    if (dash != 64 || rest.length() <= 65 || !rest.substring(0, 64).matches("[0-9a-fA-F]{64}")) {
      throw new IllegalArgumentException("a join token is BERTH1-<64 hex digits>-<secret>");
    }
    return new JoinToken(rest.substring(0, dash).toLowerCase(java.util.Locale.ROOT), rest.substring(dash + 1));
  }

  public static String newSecret() {
    byte[] b = new byte[16];
    new SecureRandom().nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  public static String sha256Hex(byte[] data) {
    return Fingerprints.sha256Hex(data);
  }

  /** What the replicated state keeps of a secret (it is 128 random bits: no salt needed). */
  public static String secretHash(String secret) {
    return sha256Hex(("berth-join-secret:" + secret).getBytes(StandardCharsets.UTF_8));
  }

  /** True when the token names this cluster's CA and carries its current secret (constant time). */
  public boolean admittedBy(ClusterMeta meta) {
    boolean ca = equal(caFingerprint, meta.getCaFingerprint());
    boolean secretOk = !meta.getJoinSecretSha256().isEmpty()
        ? equal(secretHash(secret), meta.getJoinSecretSha256())
        : !meta.getJoinSecret().isEmpty() && equal(secret, meta.getJoinSecret());
    return ca & secretOk;
  }

  private static boolean equal(String a, String b) {
    return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public String toString() {
    return PREFIX + caFingerprint + "-" + secret;
  }
}
