package io.berth.tls;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;

/** Keys are EC P-256: small, fast, and every TLS stack speaks them. */
public final class KeyPairs {
  private KeyPairs() {}

  public static KeyPair newKeyPair() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"));
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("EC P-256 keys are not available in this JVM", e);
    }
  }

  public static String signatureAlgorithm() {
    return "SHA256withECDSA";
  }
}
