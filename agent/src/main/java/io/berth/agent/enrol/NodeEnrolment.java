package io.berth.agent.enrol;

import io.berth.agent.session.Dialer;
import io.berth.proto.AgentServiceGrpc;
import io.berth.proto.EnrollRequest;
import io.berth.proto.EnrollResponse;
import io.berth.tls.CaProbe;
import io.berth.tls.CertificateRequests;
import io.berth.tls.Fingerprints;
import io.berth.tls.GrpcTls;
import io.berth.tls.KeyPairs;
import io.berth.tls.Pem;
import io.berth.tls.TlsMaterial;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gets this node its certificate. With a valid one in the data dir nothing is asked. Otherwise it
 * learns the CA (from --ca-file, or from the server's TLS chain) and accepts it only if its SHA-256
 * is the token's: only then does it send the secret, with a CSR for the node's name.
 */
public final class NodeEnrolment {
  private static final Logger LOG = LoggerFactory.getLogger(NodeEnrolment.class);
  private static final int TIMEOUT_MS = 10_000;

  private NodeEnrolment() {}

  /** The token's two parts; parsed here so the agent needs nothing of the coordinator's. */
  record Token(String caFingerprint, String text) {
    static Token parse(String text) throws EnrolmentRefused {
      String t = text.trim();
      if (!t.startsWith("BERTH1-") || t.length() < 7 + 64 + 2 || t.charAt(7 + 64) != '-'
          || !t.substring(7, 7 + 64).matches("[0-9a-fA-F]{64}")) {
        throw new EnrolmentRefused("--token: a join token is BERTH1-<64 hex digits>-<secret>");
      }
      return new Token(t.substring(7, 7 + 64).toLowerCase(java.util.Locale.ROOT), t);
    }
  }

  /**
   * Loads or obtains the node's certificate and puts it in use.
   *
   * @param token the join token, or null when the data dir must already hold a certificate
   * @param caFile the cluster CA's certificate, or null to read it from the coordinator
   */
  public static void ensure(NodeCredential credential, List<String> coordinators, String token, Path caFile,
      String nodeName) throws EnrolmentRefused, IOException {
    var stored = credential.stored();
    if (stored.isPresent()) {
      TlsMaterial m = stored.get();
      String holder = m.identity().name();
      if (!holder.equals(nodeName)) {
        throw new EnrolmentRefused("the certificate in " + credential.files().dir() + " is for node " + holder
            + ", not " + nodeName + ": start with --name " + holder + ", or use another --data-dir for another node");
      }
      if (NodeCredential.usable(m, Instant.now())) {
        if (token != null && !Token.parse(token).caFingerprint().equals(Fingerprints.sha256(m.ca()))) {
          throw new EnrolmentRefused("the certificate in " + credential.files().dir() + " belongs to another cluster "
              + "(its CA is not the token's): delete that directory to join this cluster");
        }
        credential.use(m);
        LOG.info("using node certificate for {} from {} (valid until {})", holder, credential.files().dir(),
            m.certificate().getNotAfter().toInstant());
        return;
      }
      LOG.warn("the node certificate in {} expired on {}: enrolling again", credential.files().dir(),
          m.certificate().getNotAfter().toInstant());
    }
    if (token == null) {
      throw new EnrolmentRefused("no valid node certificate in " + credential.files().dir()
          + ": give --token BERTH1-... (the first start of an agent enrols it)");
    }
    Token t = Token.parse(token);
    EnrolmentRefused lastRefusal = null;
    IOException lastFailure = null;
    for (String endpoint : coordinators) {
      try {
        credential.replace(enrollWith(endpoint, t, caFile, nodeName));
        LOG.info("node {} enrolled with coordinator {}; certificate stored in {}", nodeName, endpoint,
            credential.files().dir());
        return;
      } catch (Unreachable e) {
        lastFailure = new IOException("coordinator " + endpoint + ": " + e.getMessage());
        LOG.warn("cannot enrol with coordinator {}: {}", endpoint, e.getMessage());
      } catch (EnrolmentRefused e) {
        lastRefusal = e;
        break; // a refusal (wrong CA, wrong secret) is the cluster's answer: do not shop around
      }
    }
    if (lastRefusal != null) {
      throw lastRefusal;
    }
    throw lastFailure != null ? lastFailure : new IOException("no coordinator to enrol with");
  }

  private static TlsMaterial enrollWith(String endpoint, Token token, Path caFile, String nodeName)
      throws EnrolmentRefused, Unreachable, IOException {
    X509Certificate ca = trustedCa(endpoint, token, caFile);
    KeyPair keys = KeyPairs.newKeyPair();
    ManagedChannel channel = Dialer.okHttp().channel(endpoint, GrpcTls.anonymousClient(ca)).build();
    try {
      EnrollResponse r = AgentServiceGrpc.newBlockingStub(channel).withDeadlineAfter(TIMEOUT_MS, TimeUnit.MILLISECONDS)
          .enroll(EnrollRequest.newBuilder().setToken(token.text()).setNodeName(nodeName)
              .setCsrPem(CertificateRequests.create(nodeName, keys)).build());
      List<X509Certificate> chain = Pem.certificates(r.getCertificatePem());
      return new TlsMaterial(keys.getPrivate(), chain, ca);
    } catch (StatusRuntimeException e) {
      Status s = e.getStatus();
      if (s.getCode() == Status.Code.UNAVAILABLE || s.getCode() == Status.Code.DEADLINE_EXCEEDED) {
        throw new Unreachable(s.toString());
      }
      throw new EnrolmentRefused("coordinator " + endpoint + " refused the enrolment: "
          + (s.getDescription() == null ? s.getCode().toString() : s.getDescription()));
    } finally {
      channel.shutdownNow();
    }
  }

  private static X509Certificate trustedCa(String endpoint, Token token, Path caFile)
      throws EnrolmentRefused, Unreachable, IOException {
    if (caFile != null) {
      X509Certificate ca;
      try {
        ca = Pem.certificate(Files.readString(caFile));
      } catch (IllegalArgumentException e) {
        throw new EnrolmentRefused("--ca-file " + caFile + ": " + e.getMessage());
      }
      String actual = Fingerprints.sha256(ca);
      if (!actual.equals(token.caFingerprint())) {
        throw new EnrolmentRefused("--ca-file " + caFile + " has SHA-256 " + actual + " but the token expects "
            + token.caFingerprint() + ": wrong token or wrong CA file (nothing was sent)");
      }
      return ca;
    }
    int colon = endpoint.lastIndexOf(':');
    try {
      return CaProbe.fetch(endpoint.substring(0, colon), Integer.parseInt(endpoint.substring(colon + 1)),
          token.caFingerprint(), TIMEOUT_MS);
    } catch (CaProbe.CaMismatch e) {
      throw new EnrolmentRefused(e.getMessage());
    } catch (IOException e) {
      throw new Unreachable(e.toString());
    }
  }

  private static final class Unreachable extends Exception {
    Unreachable(String message) {
      super(message);
    }
  }
}
