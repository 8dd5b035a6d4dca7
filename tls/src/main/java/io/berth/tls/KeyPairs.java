package io.berth.tls;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.spec.ECGenParameterSpec;

/**
 * End-entity keys (coordinators, nodes, admins) are EC P-256: small, fast to sign with, and every
 * TLS stack speaks them. The cluster CA's key is RSA-3072, the same 128-bit strength, because the
 * CA's signature is what a peer checks in Java on every new connection, and RSA verifies ~16x
 * faster there than ECDSA P-256 (0.10 against 1.6 ms on JDK 17); signing, which RSA does slower
 * (~4 ms), happens once per certificate.
 */
public final class KeyPairs {
  /** RSA modulus of a new cluster CA: 128-bit security, as P-256. */
  static final int CA_RSA_BITS = 3072;

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

  /** A new certificate authority's key pair (RSA-3072). */
  public static KeyPair newCaKeyPair() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
      g.initialize(CA_RSA_BITS);
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("RSA keys are not available in this JVM", e);
    }
  }

  /** The signature algorithm of an end-entity key ({@link #newKeyPair()}): CSRs. */
  public static String signatureAlgorithm() {
    return "SHA256withECDSA";
  }

  /** The signature algorithm for {@code signer}'s key type: CAs made before RSA ones are EC. */
  public static String signatureAlgorithm(PrivateKey signer) {
    return switch (signer.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC", "ECDSA" -> "SHA256withECDSA";
      default -> throw new IllegalArgumentException("unsupported signing key type: " + signer.getAlgorithm());
    };
  }
}
