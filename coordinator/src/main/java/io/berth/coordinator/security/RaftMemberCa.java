package io.berth.coordinator.security;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPrivateKeySpec;
import java.security.spec.ECPublicKeySpec;
import java.security.cert.X509Certificate;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.jce.ECNamedCurveTable;

/**
 * The Raft transport's own trust anchor. Node and admin certificates come from the cluster CA
 * too, so a trust store holding the cluster CA would let any enrolled node speak Raft. Members'
 * Raft certificates are signed instead by a key every coordinator derives from the cluster CA's
 * key (HMAC-SHA256 of a label under it): each member makes the same key pair and the same subject
 * on its own, so each one's anchor certificate verifies every other member's Raft certificate,
 * and no join message has to carry anything new.
 */
final class RaftMemberCa {
  private static final byte[] LABEL = "berth raft member CA v1".getBytes(StandardCharsets.US_ASCII);

  private RaftMemberCa() {}

  static ClusterCa derive(PrivateKey caKey, X509Certificate caCertificate, String caFingerprint) {
    try {
      ECParameterSpec params = p256();
      BigInteger order = params.getOrder();
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secretOf(caKey), "HmacSHA256"));
      BigInteger d = new BigInteger(1, mac.doFinal(LABEL)).mod(order.subtract(BigInteger.ONE)).add(BigInteger.ONE);
      org.bouncycastle.math.ec.ECPoint q = ECNamedCurveTable.getParameterSpec("secp256r1").getG().multiply(d).normalize();
      KeyFactory keys = KeyFactory.getInstance("EC");
      KeyPair pair = new KeyPair(
          keys.generatePublic(new ECPublicKeySpec(
              new ECPoint(q.getAffineXCoord().toBigInteger(), q.getAffineYCoord().toBigInteger()), params)),
          keys.generatePrivate(new ECPrivateKeySpec(d, params)));
      X500Name subject = new X500Name("O=" + io.berth.tls.PeerIdentity.ORGANIZATION
          + ",CN=Berth Raft members of CA " + caFingerprint.substring(0, 16));
      // Same validity as the cluster CA's: the anchor lives exactly as long.
      return ClusterCa.selfSigned(pair, subject, caCertificate.getNotBefore().toInstant(),
          caCertificate.getNotAfter().toInstant());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot derive the Raft members' CA", e);
    }
  }

  /**
   * The secret the derivation is keyed with: an EC CA's private scalar (clusters made before RSA
   * CAs: their anchor must not change), an RSA CA's private exponent.
   */
  private static byte[] secretOf(PrivateKey caKey) {
    if (caKey instanceof ECPrivateKey ec) {
      return ec.getS().toByteArray();
    }
    if (caKey instanceof RSAPrivateKey rsa) {
      return rsa.getPrivateExponent().toByteArray();
    }
    throw new IllegalStateException("the cluster CA key is neither EC nor RSA: " + caKey.getAlgorithm());
  }

  private static ECParameterSpec p256() throws GeneralSecurityException {
    AlgorithmParameters p = AlgorithmParameters.getInstance("EC");
    p.init(new ECGenParameterSpec("secp256r1"));
    return p.getParameterSpec(ECParameterSpec.class);
  }
}
