package io.berth.coordinator.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The join token {@code BERTH1-<sha256 of the cluster CA>-<secret>} (DESIGN.md "Security"). The
 * first part lets a joining host check it talks to the right cluster; the secret authorizes it.
 */
public record JoinToken(String caFingerprint, String secret) {
  private static final String PREFIX = "BERTH1-";

  public static JoinToken parse(String text) {
    if (text == null || !text.startsWith(PREFIX)) {
      throw new IllegalArgumentException("a join token starts with " + PREFIX);
    }
    String rest = text.substring(PREFIX.length());
    int dash = rest.indexOf('-');
    if (dash != 64 || rest.length() <= 65) {
      throw new IllegalArgumentException("a join token is BERTH1-<64 hex digits>-<secret>");
    }
    return new JoinToken(rest.substring(0, dash), rest.substring(dash + 1));
  }

  public static String newSecret() {
    byte[] b = new byte[16];
    new SecureRandom().nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  public static String sha256Hex(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** True when both parts match, compared in constant time. */
  public boolean matches(String expectedFingerprint, String expectedSecret) {
    return MessageDigest.isEqual(caFingerprint.getBytes(StandardCharsets.UTF_8), expectedFingerprint.getBytes(StandardCharsets.UTF_8))
        & MessageDigest.isEqual(secret.getBytes(StandardCharsets.UTF_8), expectedSecret.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public String toString() {
    return PREFIX + caFingerprint + "-" + secret;
  }
}
