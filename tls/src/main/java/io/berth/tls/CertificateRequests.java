package io.berth.tls;

import java.security.KeyPair;
import java.security.PublicKey;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/** Certificate signing requests: built by whoever holds the key, checked by the CA. */
public final class CertificateRequests {
  private CertificateRequests() {}

  /** A CSR for {@code CN=name}, signed with the key pair's private key (proof of possession). */
  public static String create(String name, KeyPair keys) {
    try {
      X500Name subject = new org.bouncycastle.asn1.x500.X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, name).build();
      PKCS10CertificationRequest csr = new JcaPKCS10CertificationRequestBuilder(subject, keys.getPublic())
          .build(new JcaContentSignerBuilder(KeyPairs.signatureAlgorithm()).build(keys.getPrivate()));
      return Pem.of(csr);
    } catch (OperatorCreationException e) {
      throw new IllegalStateException("cannot sign a certificate request", e);
    }
  }

  /** A request whose signature checks out: its public key and the name it asks for. */
  public record Verified(PublicKey publicKey, String commonName) {}

  /**
   * Parses a PEM CSR and checks its self-signature, so the requester holds the private key.
   *
   * @throws IllegalArgumentException with a reason when it is malformed or its signature is wrong
   */
  public static Verified verify(String pem) {
    PKCS10CertificationRequest csr = Pem.certificationRequest(pem);
    try {
      JcaPKCS10CertificationRequest jca = new JcaPKCS10CertificationRequest(csr);
      PublicKey key = jca.getPublicKey();
      if (!csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(key))) {
        throw new IllegalArgumentException("the certificate request's signature does not match its key");
      }
      var cns = csr.getSubject().getRDNs(BCStyle.CN);
      String cn = cns.length == 1 ? IETFUtils.valueToString(cns[0].getFirst().getValue()) : "";
      return new Verified(key, cn);
    } catch (OperatorCreationException | PKCSException | java.security.GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot check the certificate request: " + e.getMessage(), e);
    }
  }
}
