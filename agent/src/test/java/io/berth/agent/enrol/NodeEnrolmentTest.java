package io.berth.agent.enrol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.tls.Fingerprints;
import io.berth.tls.KeyPairs;
import io.berth.tls.Pem;
import io.berth.tls.PeerIdentity;
import io.berth.tls.PeerRole;
import io.berth.tls.TlsMaterial;
import java.math.BigInteger;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent's side of enrolment, up to the point where it would talk to a coordinator. */
class NodeEnrolmentTest {
  @TempDir Path dir;

  private static X509Certificate sign(X500Name subject, X500Name issuer, KeyPair subjectKeys, KeyPair issuerKeys,
      boolean ca, Instant from, Instant to) throws Exception {
    var b = new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(System.nanoTime()), Date.from(from),
        Date.from(to), subject, subjectKeys.getPublic())
        .addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
    return new JcaX509CertificateConverter().getCertificate(
        b.build(new JcaContentSignerBuilder(KeyPairs.signatureAlgorithm()).build(issuerKeys.getPrivate())));
  }

  /** A CA and a node certificate it signed, as the coordinator would make them. */
  private static TlsMaterial nodeCredential(String name, Instant from, Instant to) throws Exception {
    KeyPair caKeys = KeyPairs.newKeyPair();
    X500Name caName = new X500Name("CN=test CA");
    X509Certificate ca = sign(caName, caName, caKeys, caKeys, true, from, to.plusSeconds(3600));
    KeyPair nodeKeys = KeyPairs.newKeyPair();
    X509Certificate cert = sign(PeerIdentity.subject(PeerRole.NODE, name), caName, nodeKeys, caKeys, false, from, to);
    return new TlsMaterial(nodeKeys.getPrivate(), List.of(cert, ca), ca);
  }

  @Test
  void aCaFileThatIsNotTheTokensIsRefusedBeforeAnythingIsSent() throws Exception {
    TlsMaterial other = nodeCredential("x", Instant.now(), Instant.now().plusSeconds(600));
    Path caFile = dir.resolve("ca.crt");
    Files.writeString(caFile, Pem.of(other.ca()));
    AtomicInteger connections = new AtomicInteger();
    try (ServerSocket coordinator = new ServerSocket(0)) {
      Thread t = new Thread(() -> {
        try {
          coordinator.accept().close();
          connections.incrementAndGet();
        } catch (Exception ignored) {
          // closed at the end of the test
        }
      });
      t.setDaemon(true);
      t.start();
      String token = "BERTH1-" + "ab".repeat(32) + "-secret";
      EnrolmentRefused e = assertThrows(EnrolmentRefused.class, () -> NodeEnrolment.ensure(
          new NodeCredential(dir.resolve("agent")), List.of("127.0.0.1:" + coordinator.getLocalPort()), token, caFile, "n1"));
      assertTrue(e.getMessage().contains("but the token expects") && e.getMessage().contains("nothing was sent"),
          e.getMessage());
    }
    assertEquals(0, connections.get(), "the coordinator was never dialled");
    assertFalse(Files.exists(dir.resolve("agent/tls/node.key")));
  }

  @Test
  void aStoredCertificateIsUsedWithoutATokenAndOnlyForItsOwnName() throws Exception {
    TlsMaterial m = nodeCredential("n1", Instant.now().minusSeconds(60), Instant.now().plusSeconds(3600));
    NodeCredential stored = new NodeCredential(dir);
    stored.replace(m);
    assertEquals(java.util.Set.of(java.nio.file.attribute.PosixFilePermission.OWNER_READ,
        java.nio.file.attribute.PosixFilePermission.OWNER_WRITE), Files.getPosixFilePermissions(dir.resolve("tls/node.key")));

    NodeCredential restarted = new NodeCredential(dir);
    NodeEnrolment.ensure(restarted, List.of("127.0.0.1:1"), null, null, "n1");
    assertEquals(m.certificate(), restarted.current().certificate());

    EnrolmentRefused other = assertThrows(EnrolmentRefused.class,
        () -> NodeEnrolment.ensure(new NodeCredential(dir), List.of("127.0.0.1:1"), null, null, "n2"));
    assertTrue(other.getMessage().contains("is for node n1"), other.getMessage());

    String foreignToken = "BERTH1-" + "cd".repeat(32) + "-secret";
    EnrolmentRefused foreign = assertThrows(EnrolmentRefused.class,
        () -> NodeEnrolment.ensure(new NodeCredential(dir), List.of("127.0.0.1:1"), foreignToken, null, "n1"));
    assertTrue(foreign.getMessage().contains("another cluster"), foreign.getMessage());
    String ownToken = "BERTH1-" + Fingerprints.sha256(m.ca()) + "-secret";
    NodeEnrolment.ensure(new NodeCredential(dir), List.of("127.0.0.1:1"), ownToken, null, "n1");
  }

  @Test
  void withoutACertificateTheFirstStartNeedsAToken() {
    EnrolmentRefused e = assertThrows(EnrolmentRefused.class,
        () -> NodeEnrolment.ensure(new NodeCredential(dir), List.of("127.0.0.1:1"), null, null, "n1"));
    assertTrue(e.getMessage().contains("give --token"), e.getMessage());
    EnrolmentRefused bad = assertThrows(EnrolmentRefused.class,
        () -> NodeEnrolment.ensure(new NodeCredential(dir), List.of("127.0.0.1:1"), "not-a-token", null, "n1"));
    assertTrue(bad.getMessage().contains("BERTH1-<64 hex digits>-<secret>"), bad.getMessage());
  }

  @Test
  void renewalIsDueAtTwoThirdsOfTheLifetime() {
    Instant from = Instant.parse("2026-01-01T00:00:00Z");
    assertEquals(from.plus(Duration.ofDays(60)), CertificateRenewal.renewalTime(from, from.plus(Duration.ofDays(90))));
    assertEquals(from.plusSeconds(20), CertificateRenewal.renewalTime(from, from.plusSeconds(30)));
  }
}
