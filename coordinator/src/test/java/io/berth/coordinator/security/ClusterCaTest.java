package io.berth.coordinator.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.tls.CertificateRequests;
import io.berth.tls.Fingerprints;
import io.berth.tls.KeyPairs;
import io.berth.tls.PeerIdentity;
import io.berth.tls.PeerRole;
import io.berth.tls.TlsMaterial;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterCaTest {
  @TempDir Path dir;

  @Test
  void createdCaIsWrittenWithAPrivateKeyFileAndLoadsBackTheSame() throws Exception {
    ClusterCa ca = ClusterCa.create(dir.resolve("ca"), "c1");
    assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
        Files.getPosixFilePermissions(dir.resolve("ca/ca.key")));
    ClusterCa again = ClusterCa.load(dir.resolve("ca"));
    assertEquals(ca.fingerprint(), again.fingerprint());
    assertTrue(!ca.toString().contains("PRIVATE"), "toString must not leak the key");
  }

  @Test
  void fingerprintIsTheSha256OfTheCertificateDer() throws Exception {
    ClusterCa ca = ClusterCa.create(dir.resolve("ca"), "c1");
    String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(ca.certificate().getEncoded()));
    assertEquals(expected, ca.fingerprint());
    assertEquals(64, ca.fingerprint().length());
    assertNotEquals(ca.fingerprint(), ClusterCa.create(dir.resolve("other"), "c1").fingerprint(),
        "two clusters never share a fingerprint");
  }

  @Test
  void memberCertificateCoversItsAddressesAndChainsToTheCa() throws Exception {
    ClusterCa ca = ClusterCa.create(dir.resolve("ca"), "c1");
    TlsMaterial m = ca.issueMember("c-10-0-0-1-7090", List.of("10.0.0.1", "coord1.example"));
    X509Certificate leaf = m.certificate();
    leaf.verify(ca.certificate().getPublicKey());
    var sans = leaf.getSubjectAlternativeNames().stream().map(l -> l.get(1).toString()).toList();
    assertTrue(sans.containsAll(List.of("10.0.0.1", "coord1.example", "127.0.0.1", "localhost")), sans.toString());
    assertEquals(new PeerIdentity(PeerRole.MEMBER, "c-10-0-0-1-7090", m.identity().serial(), m.identity().notBefore(),
        m.identity().notAfter()), m.identity());
    assertEquals(ca.certificate(), m.chain().get(1));
    assertTrue(leaf.getExtendedKeyUsage().contains("1.3.6.1.5.5.7.3.1"), "serverAuth");
  }

  @Test
  void nodeCertificateIsBoundToTheNameTheCsrAsksFor() throws Exception {
    ClusterCa ca = ClusterCa.create(dir.resolve("ca"), "c1");
    KeyPair keys = KeyPairs.newKeyPair();
    X509Certificate cert = ca.signNode(CertificateRequests.create("n1", keys), "n1", Instant.now(), Duration.ofDays(1));
    cert.verify(ca.certificate().getPublicKey());
    assertEquals(keys.getPublic(), cert.getPublicKey());
    assertEquals(PeerRole.NODE, PeerIdentity.of(cert).role());
    assertEquals("n1", PeerIdentity.of(cert).name());
    assertEquals(List.of("1.3.6.1.5.5.7.3.2"), cert.getExtendedKeyUsage(), "client auth only");

    IllegalArgumentException other = assertThrows(IllegalArgumentException.class,
        () -> ca.signNode(CertificateRequests.create("n2", keys), "n1", Instant.now(), Duration.ofDays(1)));
    assertTrue(other.getMessage().contains("bound to its node's name"), other.getMessage());
  }

  @Test
  void csrWhoseSignatureDoesNotMatchItsKeyIsRefused() throws Exception {
    ClusterCa ca = ClusterCa.create(dir.resolve("ca"), "c1");
    String good = CertificateRequests.create("n1", KeyPairs.newKeyPair());
    // Corrupt one byte of the base64 body near its end (the signature).
    String body = good.replace("-----BEGIN CERTIFICATE REQUEST-----", "").replace("-----END CERTIFICATE REQUEST-----", "")
        .replaceAll("\\s", "");
    byte[] der = java.util.Base64.getDecoder().decode(body);
    der[der.length - 5] ^= 0x01;
    String bad = "-----BEGIN CERTIFICATE REQUEST-----\n" + java.util.Base64.getMimeEncoder().encodeToString(der)
        + "\n-----END CERTIFICATE REQUEST-----\n";
    assertThrows(IllegalArgumentException.class, () -> ca.signNode(bad, "n1", Instant.now(), Duration.ofDays(1)));
    assertThrows(IllegalArgumentException.class, () -> ca.signNode("not a csr", "n1", Instant.now(), Duration.ofDays(1)));
  }

  @Test
  void installedCaMustBeAKeyAndItsCertificate() throws Exception {
    ClusterCa a = ClusterCa.create(dir.resolve("a"), "c1");
    ClusterCa b = ClusterCa.create(dir.resolve("b"), "c1");
    ClusterCa copy = ClusterCa.install(dir.resolve("copy"), a.keyPemForMember(), a.certificatePem());
    assertEquals(a.fingerprint(), copy.fingerprint());
    assertEquals(Fingerprints.sha256(a.certificate()), copy.fingerprint());
    assertThrows(IllegalArgumentException.class,
        () -> ClusterCa.install(dir.resolve("mixed"), b.keyPemForMember(), a.certificatePem()));
    assertTrue(!Files.exists(dir.resolve("mixed/ca.key")), "a refused CA is not written");
  }

  @Test
  void adminCredentialHasTheAdminRole() throws Exception {
    ClusterCa ca = ClusterCa.create(dir.resolve("ca"), "c1");
    TlsMaterial admin = ca.issueAdmin("admin");
    assertEquals(PeerRole.ADMIN, admin.identity().role());
    admin.certificate().verify(ca.certificate().getPublicKey());
  }

  @Test
  void newCaIsRsa3072AndItsEndEntitiesStayEcP256() throws Exception {
    ClusterCa ca = ClusterCa.create(dir.resolve("ca"), "c1");
    var caKey = (java.security.interfaces.RSAPublicKey) ca.certificate().getPublicKey();
    assertEquals(3072, caKey.getModulus().bitLength());
    assertEquals("SHA256withRSA", ca.certificate().getSigAlgName());
    TlsMaterial member = ca.issueMember("c-1", List.of("127.0.0.1"));
    assertEquals("EC", member.certificate().getPublicKey().getAlgorithm());
    assertEquals("SHA256withRSA", member.certificate().getSigAlgName());
    member.certificate().verify(caKey);
  }

  /** Clusters made before RSA CAs keep their EC CA: it still signs, and derives one Raft anchor everywhere. */
  @Test
  void anEcCaFromBeforeStillIssuesAndEveryMemberDerivesTheSameRaftAnchor() throws Exception {
    ClusterCa ec = ClusterCa.selfSigned(KeyPairs.newKeyPair(),
        new org.bouncycastle.asn1.x500.X500Name("O=" + PeerIdentity.ORGANIZATION + ",CN=Berth cluster CA old"),
        Instant.now().minusSeconds(10), Instant.now().plus(Duration.ofDays(365)));
    ClusterCa installed = ClusterCa.install(dir.resolve("ec"), ec.keyPemForMember(), ec.certificatePem());
    ClusterCa loaded = ClusterCa.load(dir.resolve("ec"));
    assertEquals("SHA256withECDSA", loaded.certificate().getSigAlgName());
    X509Certificate node = loaded.signNode(CertificateRequests.create("n1", KeyPairs.newKeyPair()), "n1",
        Instant.now(), Duration.ofDays(1));
    assertEquals("SHA256withECDSA", node.getSigAlgName());
    node.verify(ec.certificate().getPublicKey());
    assertEquals(ec.issueRaftMember("a", List.of("127.0.0.1")).ca().getPublicKey(),
        installed.issueRaftMember("b", List.of("127.0.0.1")).ca().getPublicKey());
  }

  @Test
  void anRsaCaDerivesTheSameRaftAnchorOnEveryMemberAndADifferentOnePerCluster() throws Exception {
    ClusterCa a = ClusterCa.create(dir.resolve("a"), "c1");
    ClusterCa copy = ClusterCa.install(dir.resolve("copy"), a.keyPemForMember(), a.certificatePem());
    TlsMaterial one = a.issueRaftMember("c1", List.of("127.0.0.1"));
    TlsMaterial two = copy.issueRaftMember("c2", List.of("127.0.0.1"));
    assertEquals(one.ca().getPublicKey(), two.ca().getPublicKey());
    two.certificate().verify(one.ca().getPublicKey());
    assertNotEquals(one.ca().getPublicKey(),
        ClusterCa.create(dir.resolve("b"), "c1").issueRaftMember("c1", List.of("127.0.0.1")).ca().getPublicKey());
  }
}
