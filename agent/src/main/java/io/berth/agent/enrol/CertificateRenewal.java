package io.berth.agent.enrol;

import io.berth.agent.session.Dialer;
import io.berth.proto.AgentServiceGrpc;
import io.berth.proto.EnrollResponse;
import io.berth.proto.RenewRequest;
import io.berth.tls.CertificateRequests;
import io.berth.tls.KeyPairs;
import io.berth.tls.Pem;
import io.berth.tls.TlsMaterial;
import io.grpc.ManagedChannel;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renews the node certificate at 2/3 of its lifetime, over mutual TLS with the current one (a new
 * key each time); retries every minute (or sooner near expiry) when no coordinator answers.
 */
public final class CertificateRenewal implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CertificateRenewal.class);
  static final Duration RETRY = Duration.ofMinutes(1);

  private final NodeCredential credential;
  private final Supplier<String> endpoint;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "berth-cert-renewal");
    t.setDaemon(true);
    return t;
  });

  public CertificateRenewal(NodeCredential credential, Supplier<String> endpoint) {
    this.credential = credential;
    this.endpoint = endpoint;
  }

  /** When a certificate valid over [notBefore, notAfter] is renewed: at 2/3 of its lifetime. */
  public static Instant renewalTime(Instant notBefore, Instant notAfter) {
    Duration life = Duration.between(notBefore, notAfter);
    return notBefore.plus(life.multipliedBy(2).dividedBy(3));
  }

  public void start() {
    schedule(delayUntil(renewalTime(credential.current().certificate())));
  }

  private static Instant renewalTime(X509Certificate c) {
    return renewalTime(c.getNotBefore().toInstant(), c.getNotAfter().toInstant());
  }

  private static Duration delayUntil(Instant when) {
    Duration d = Duration.between(Instant.now(), when);
    return d.isNegative() ? Duration.ZERO : d;
  }

  private void schedule(Duration delay) {
    try {
      timer.schedule(this::renew, delay.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closed
    }
  }

  /** One renewal attempt; schedules the next. */
  void renew() {
    TlsMaterial now = credential.current();
    String name = now.identity().name();
    String target = endpoint.get();
    ManagedChannel channel = Dialer.okHttp().channel(target, credential.channelCredentials()).build();
    try {
      KeyPair keys = KeyPairs.newKeyPair();
      EnrollResponse r = AgentServiceGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS)
          .renew(RenewRequest.newBuilder().setCsrPem(CertificateRequests.create(name, keys)).build());
      TlsMaterial renewed = new TlsMaterial(keys.getPrivate(), Pem.certificates(r.getCertificatePem()), now.ca());
      credential.replace(renewed);
      LOG.info("node certificate of {} renewed by {}: valid until {}", name, target,
          renewed.certificate().getNotAfter().toInstant());
      schedule(delayUntil(renewalTime(renewed.certificate())));
    } catch (Exception e) {
      Duration left = Duration.between(Instant.now(), now.certificate().getNotAfter().toInstant());
      Duration retry = left.dividedBy(4).compareTo(RETRY) < 0 ? Duration.ofSeconds(Math.max(1, left.dividedBy(4).toSeconds()))
          : RETRY;
      LOG.warn("renewing the node certificate with {} failed ({}); trying again in {} s", target, e.toString(),
          retry.toSeconds());
      schedule(retry);
    } finally {
      channel.shutdownNow();
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
