package io.berth.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigInteger;
import java.net.Socket;
import java.security.KeyPair;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;

class VerifiedChainsTest {
  private final KeyPair caKeys = KeyPairs.newKeyPair();
  private final X509Certificate ca = GrpcTlsTestCerts.issue("berth-ca", caKeys, caKeys, 1, 3600);
  private final X509Certificate nodeA = GrpcTlsTestCerts.issue("node-a", KeyPairs.newKeyPair(), caKeys, 2, 3600);
  private final X509Certificate nodeB = GrpcTlsTestCerts.issue("node-b", KeyPairs.newKeyPair(), caKeys, 3, 3600);
  private final Counting delegate = new Counting();
  private final VerifiedChains chains = new VerifiedChains(delegate);

  @Test
  void aChainAcceptedOnceIsNotCheckedAgain() throws Exception {
    chains.checkClientTrusted(new X509Certificate[] {nodeA, ca}, "UNKNOWN", (SSLEngine) null);
    chains.checkClientTrusted(new X509Certificate[] {nodeA, ca}, "UNKNOWN", (SSLEngine) null);
    assertEquals(1, delegate.checks.get());
    chains.checkClientTrusted(new X509Certificate[] {nodeB, ca}, "UNKNOWN", (SSLEngine) null);
    assertEquals(2, delegate.checks.get(), "another certificate is another check");
    chains.checkServerTrusted(new X509Certificate[] {nodeA, ca}, "UNKNOWN", (SSLEngine) null);
    assertEquals(3, delegate.checks.get(), "the server side is remembered apart from the client side");
  }

  @Test
  void aRefusedChainIsRefusedEveryTime() {
    delegate.refuse = nodeA;
    for (int i = 0; i < 2; i++) {
      assertThrows(CertificateException.class, () ->
          chains.checkClientTrusted(new X509Certificate[] {nodeA, ca}, "UNKNOWN", (SSLEngine) null));
    }
    assertEquals(2, delegate.checks.get());
    assertEquals(0, chains.size());
  }

  @Test
  void anExpiredCertificateIsRefusedEvenWhenRemembered() throws Exception {
    X509Certificate shortLived = GrpcTlsTestCerts.issue("node-c", KeyPairs.newKeyPair(), caKeys, 4, 1);
    chains.checkClientTrusted(new X509Certificate[] {shortLived, ca}, "UNKNOWN", (SSLEngine) null);
    long wait = shortLived.getNotAfter().getTime() - System.currentTimeMillis() + 1;
    Thread.sleep(Math.max(0, wait)); // the certificate's own clock: nothing to await but time
    assertThrows(CertificateExpiredException.class, () ->
        chains.checkClientTrusted(new X509Certificate[] {shortLived, ca}, "UNKNOWN", (SSLEngine) null));
  }

  @Test
  void socketChecksAlwaysGoToTheDelegate() throws Exception {
    for (int i = 0; i < 2; i++) {
      chains.checkServerTrusted(new X509Certificate[] {nodeA, ca}, "UNKNOWN", (Socket) null);
    }
    assertEquals(2, delegate.checks.get());
  }

  /** Counts checks; refuses one certificate if told to. */
  private static final class Counting extends X509ExtendedTrustManager {
    final AtomicInteger checks = new AtomicInteger();
    volatile X509Certificate refuse;

    private void check(X509Certificate[] chain) throws CertificateException {
      checks.incrementAndGet();
      if (chain[0].equals(refuse)) {
        throw new CertificateException("refused");
      }
    }

    @Override public void checkClientTrusted(X509Certificate[] c, String a, Socket s) throws CertificateException { check(c); }
    @Override public void checkServerTrusted(X509Certificate[] c, String a, Socket s) throws CertificateException { check(c); }
    @Override public void checkClientTrusted(X509Certificate[] c, String a, SSLEngine e) throws CertificateException { check(c); }
    @Override public void checkServerTrusted(X509Certificate[] c, String a, SSLEngine e) throws CertificateException { check(c); }
    @Override public void checkClientTrusted(X509Certificate[] c, String a) throws CertificateException { check(c); }
    @Override public void checkServerTrusted(X509Certificate[] c, String a) throws CertificateException { check(c); }
    @Override public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
  }
}

/** Certificates for the tests, made with BouncyCastle. */
final class GrpcTlsTestCerts {
  private GrpcTlsTestCerts() {}

  static X509Certificate issue(String cn, KeyPair subject, KeyPair issuer, long serial, long seconds) {
    try {
      Instant now = Instant.now();
      X500Name issuerName = new X500Name("CN=berth-ca");
      var builder = new JcaX509v3CertificateBuilder(issuerName, BigInteger.valueOf(serial),
          Date.from(now.minus(Duration.ofMinutes(1))), Date.from(now.plusSeconds(seconds)),
          new X500Name("CN=" + cn), subject.getPublic());
      return new JcaX509CertificateConverter().getCertificate(builder.build(
          new JcaContentSignerBuilder(KeyPairs.signatureAlgorithm()).build(issuer.getPrivate())));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
