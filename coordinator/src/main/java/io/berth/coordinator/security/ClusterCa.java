package io.berth.coordinator.security;

import io.berth.tls.CertificateRequests;
import io.berth.tls.Fingerprints;
import io.berth.tls.KeyPairs;
import io.berth.tls.Pem;
import io.berth.tls.PeerIdentity;
import io.berth.tls.PeerRole;
import io.berth.tls.PrivateFiles;
import io.berth.tls.TlsMaterial;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The cluster's certificate authority: a self-signed RSA-3072 certificate and its key (clusters
 * made before RSA CAs keep their EC P-256 one; see {@link KeyPairs}), kept in
 * {@code <data-dir>/ca/} (key mode 0600) on every coordinator. It signs the coordinators' own
 * certificates, the admin credential and (from CSRs) node certificates; the join token pins the
 * SHA-256 of its certificate.
 */
public final class ClusterCa {
  public static final String KEY_FILE = "ca.key";
  public static final String CERT_FILE = "ca.crt";
  static final Duration CA_VALIDITY = Duration.ofDays(3650);
  public static final Duration MEMBER_VALIDITY = Duration.ofDays(365);
  public static final Duration ADMIN_VALIDITY = Duration.ofDays(365);
  public static final Duration NODE_VALIDITY = Duration.ofDays(90);
  /** Certificates start a little in the past so a peer whose clock trails ours accepts them. */
  static final Duration CLOCK_SKEW = Duration.ofSeconds(10);

  private static final SecureRandom RANDOM = new SecureRandom();

  private final PrivateKey key;
  private final X509Certificate certificate;
  private volatile ClusterCa raftMembers;

  private ClusterCa(PrivateKey key, X509Certificate certificate) {
    this.key = key;
    this.certificate = certificate;
  }

  public static boolean existsIn(Path caDir) {
    return Files.isRegularFile(caDir.resolve(KEY_FILE)) && Files.isRegularFile(caDir.resolve(CERT_FILE));
  }

  /** A new CA, written to {@code caDir}. */
  public static ClusterCa create(Path caDir, String clusterId) throws IOException {
    Instant now = Instant.now();
    X500Name subject = new X500Name("O=" + PeerIdentity.ORGANIZATION + ",CN=Berth cluster CA " + clusterId);
    ClusterCa ca = selfSigned(KeyPairs.newCaKeyPair(), subject, now.minus(CLOCK_SKEW), now.plus(CA_VALIDITY));
    ca.save(caDir);
    return ca;
  }

  /** A CA certificate for {@code pair}, signed by itself; it signs end-entity certificates only. */
  static ClusterCa selfSigned(KeyPair pair, X500Name subject, Instant notBefore, Instant notAfter) {
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, serial(),
          Date.from(notBefore), Date.from(notAfter), subject, pair.getPublic())
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
          .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(pair.getPublic()));
      return new ClusterCa(pair.getPrivate(), sign(b, pair.getPrivate()));
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot create a CA certificate for " + subject, e);
    }
  }

  public static ClusterCa load(Path caDir) throws IOException {
    try {
      return new ClusterCa(Pem.privateKey(Files.readString(caDir.resolve(KEY_FILE))),
          Pem.certificate(Files.readString(caDir.resolve(CERT_FILE))));
    } catch (IllegalArgumentException e) {
      throw new IOException("the cluster CA in " + caDir + " is unreadable: " + e.getMessage(), e);
    }
  }

  /** A CA handed over by another member (a coordinator joining), checked and written to {@code caDir}. */
  public static ClusterCa install(Path caDir, String keyPem, String certPem) throws IOException {
    ClusterCa ca = new ClusterCa(Pem.privateKey(keyPem), Pem.certificate(certPem));
    try {
      ca.certificate.verify(ca.certificate.getPublicKey());
      // The key must be the certificate's: sign something and check it.
      X509Certificate probe = ca.issue(PeerRole.MEMBER, "probe", KeyPairs.newKeyPair().getPublic(), Duration.ofMinutes(1),
          List.of());
      probe.verify(ca.certificate.getPublicKey());
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("the CA key and certificate handed over do not belong together", e);
    }
    ca.save(caDir);
    return ca;
  }

  private void save(Path caDir) throws IOException {
    PrivateFiles.directory(caDir);
    PrivateFiles.write(caDir.resolve(KEY_FILE), Pem.of(key));
    PrivateFiles.write(caDir.resolve(CERT_FILE), Pem.of(certificate));
  }

  public X509Certificate certificate() {
    return certificate;
  }

  public String certificatePem() {
    return Pem.of(certificate);
  }

  /** SHA-256 of the CA certificate's DER, lowercase hex: the middle part of the join token. */
  public String fingerprint() {
    return Fingerprints.sha256(certificate);
  }

  /** The CA key as PEM: only for handing the CA to a coordinator joining over the token-checked TLS call. */
  public String keyPemForMember() {
    return Pem.of(key);
  }

  /**
   * This coordinator's certificate and key: serves TLS for every address and name in
   * {@code addresses} (plus localhost), and authenticates it as a member to other coordinators.
   */
  public TlsMaterial issueMember(String memberId, Collection<String> addresses) {
    KeyPair pair = KeyPairs.newKeyPair();
    Set<String> sans = new LinkedHashSet<>(addresses);
    sans.add("localhost");
    sans.add("127.0.0.1");
    X509Certificate cert = issue(PeerRole.MEMBER, memberId, pair.getPublic(), MEMBER_VALIDITY, List.copyOf(sans));
    return new TlsMaterial(pair.getPrivate(), List.of(cert, certificate), certificate);
  }

  /**
   * This coordinator's certificate for the Raft transport only, from {@link RaftMemberCa}: its
   * {@link TlsMaterial#ca()} is the anchor the Raft trust store holds, which nodes' and admins'
   * certificates do not chain to.
   */
  public TlsMaterial issueRaftMember(String memberId, Collection<String> addresses) {
    ClusterCa raft = raftMembers;
    if (raft == null) {
      raft = RaftMemberCa.derive(key, certificate, fingerprint());
      raftMembers = raft;
    }
    return raft.issueMember(memberId, addresses);
  }

  /** A new admin credential (key made here: it goes to a file of the operator's, never over the wire). */
  public TlsMaterial issueAdmin(String name) {
    KeyPair pair = KeyPairs.newKeyPair();
    X509Certificate cert = issue(PeerRole.ADMIN, name, pair.getPublic(), ADMIN_VALIDITY, List.of());
    return new TlsMaterial(pair.getPrivate(), List.of(cert, certificate), certificate);
  }

  /**
   * Signs a node's CSR: the certificate is bound to {@code nodeName} (the CSR must ask for exactly
   * that name) and can only act as that node.
   *
   * @param notBefore when it starts being valid (after the node's last revocation, if any)
   * @throws IllegalArgumentException when the CSR is malformed, badly signed or asks for another name
   */
  public X509Certificate signNode(String csrPem, String nodeName, Instant notBefore, Duration validity) {
    CertificateRequests.Verified csr = CertificateRequests.verify(csrPem);
    if (!csr.commonName().equals(nodeName)) {
      throw new IllegalArgumentException("the certificate request is for '" + csr.commonName()
          + "' but the node is '" + nodeName + "': a node certificate is bound to its node's name");
    }
    return issue(PeerRole.NODE, nodeName, csr.publicKey(), notBefore, validity, List.of());
  }

  X509Certificate issue(PeerRole role, String name, PublicKey subjectKey, Duration validity, List<String> sans) {
    return issue(role, name, subjectKey, Instant.now().minus(CLOCK_SKEW), validity, sans);
  }

  private X509Certificate issue(PeerRole role, String name, PublicKey subjectKey, Instant notBefore,
      Duration validity, List<String> sans) {
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(certificate, serial(), Date.from(notBefore),
          Date.from(notBefore.plus(validity)), PeerIdentity.subject(role, name), subjectKey)
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement))
          .addExtension(Extension.extendedKeyUsage, false, role == PeerRole.MEMBER
              ? new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth})
              : new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth))
          // By key only: each member makes its own copy of the Raft anchor (same key, another serial).
          .addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(certificate.getPublicKey()))
          .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(subjectKey));
      if (!sans.isEmpty()) {
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(generalNames(sans)));
      }
      return sign(b, key);
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot issue a certificate for " + role.label() + " " + name, e);
    }
  }

  private static GeneralName[] generalNames(List<String> sans) {
    List<GeneralName> out = new ArrayList<>();
    for (String s : sans) {
      out.add(isAddressLiteral(s) ? new GeneralName(GeneralName.iPAddress, s) : new GeneralName(GeneralName.dNSName, s));
    }
    return out.toArray(new GeneralName[0]);
  }

  private static boolean isAddressLiteral(String s) {
    if (s.contains(":")) {
      return true; // IPv6
    }
    if (!s.matches("[0-9.]+")) {
      return false;
    }
    try {
      InetAddress.getByName(s);
      return true;
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey signer) throws GeneralSecurityException {
    try {
      return new JcaX509CertificateConverter().getCertificate(
          b.build(new JcaContentSignerBuilder(KeyPairs.signatureAlgorithm(signer)).build(signer)));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException(e);
    }
  }

  private static BigInteger serial() {
    return new BigInteger(127, RANDOM).add(BigInteger.ONE);
  }

  @Override
  public String toString() {
    return "ClusterCa[" + fingerprint() + ", key hidden]";
  }
}
