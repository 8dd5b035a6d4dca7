package io.berth.tls;

import java.security.cert.X509Certificate;
import java.time.Instant;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;

/**
 * Who a certificate names: {@code CN=<name>, OU=<role>, O=Berth}. The coordinator writes the
 * subject itself when it signs, so a holder cannot choose its role.
 */
public record PeerIdentity(PeerRole role, String name, String serial, Instant notBefore, Instant notAfter) {
  public static final String ORGANIZATION = "Berth";

  public static X500Name subject(PeerRole role, String name) {
    return new X500NameBuilder(BCStyle.INSTANCE)
        .addRDN(BCStyle.O, ORGANIZATION)
        .addRDN(BCStyle.OU, role.label())
        .addRDN(BCStyle.CN, name)
        .build();
  }

  /** Reads the identity of a certificate signed by a Berth CA; refuses subjects it did not write. */
  public static PeerIdentity of(X509Certificate cert) {
    X500Name subject = X500Name.getInstance(cert.getSubjectX500Principal().getEncoded());
    String cn = single(subject, BCStyle.CN);
    String ou = single(subject, BCStyle.OU);
    PeerRole role = PeerRole.ofLabel(ou == null ? "" : ou).orElseThrow(() ->
        new IllegalArgumentException("certificate " + cert.getSubjectX500Principal() + " names no Berth role"));
    if (cn == null || cn.isEmpty()) {
      throw new IllegalArgumentException("certificate " + cert.getSubjectX500Principal() + " names nobody (no CN)");
    }
    return new PeerIdentity(role, cn, cert.getSerialNumber().toString(16), cert.getNotBefore().toInstant(),
        cert.getNotAfter().toInstant());
  }

  private static String single(X500Name name, org.bouncycastle.asn1.ASN1ObjectIdentifier type) {
    RDN[] rdns = name.getRDNs(type);
    if (rdns.length != 1) {
      return null;
    }
    ASN1Encodable v = rdns[0].getFirst().getValue();
    return IETFUtils.valueToString(v);
  }

  @Override
  public String toString() {
    return role.label() + " " + name;
  }
}
