package io.berth.coordinator.security;

import io.berth.proto.ClusterMeta;
import io.berth.proto.EnrollRequest;
import io.berth.proto.EnrollResponse;
import io.berth.tls.Pem;
import io.berth.tls.PeerIdentity;
import io.berth.tls.PeerRole;
import io.grpc.Status;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Issues node certificates: at enrolment for a valid join token, at renewal for the node's own
 * name. Errors are gRPC statuses with what to do.
 */
public final class NodeCertificates {
  private static final Pattern NODE_NAME = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

  private final ClusterCa ca;
  private final Clock clock;
  private final Duration validity;

  public NodeCertificates(ClusterCa ca, Clock clock, Duration validity) {
    this.ca = ca;
    this.clock = clock;
    this.validity = validity;
  }

  public EnrollResponse enroll(EnrollRequest request, ClusterMeta meta) {
    JoinToken token;
    try {
      token = JoinToken.parse(request.getToken());
    } catch (IllegalArgumentException e) {
      throw Status.UNAUTHENTICATED.withDescription("bad join token: " + e.getMessage()).asRuntimeException();
    }
    if (!token.admittedBy(meta)) {
      throw Status.UNAUTHENTICATED.withDescription("the join token is not valid for this cluster (wrong or rotated "
          + "secret): get the current one from an admin (`berth token rotate` prints a new one)").asRuntimeException();
    }
    checkName(request.getNodeName());
    return issue(request.getCsrPem(), request.getNodeName(), meta);
  }

  public EnrollResponse renew(String csrPem, PeerIdentity caller, ClusterMeta meta) {
    if (caller.role() != PeerRole.NODE) {
      throw Status.PERMISSION_DENIED.withDescription("only a node renews a node certificate").asRuntimeException();
    }
    return issue(csrPem, caller.name(), meta);
  }

  private EnrollResponse issue(String csrPem, String name, ClusterMeta meta) {
    X509Certificate cert;
    try {
      cert = ca.signNode(csrPem, name,
          Revocations.startOfNewCertificate(meta, name, clock.instant().minus(ClusterCa.CLOCK_SKEW)), validity);
    } catch (IllegalArgumentException e) {
      throw Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException();
    }
    return EnrollResponse.newBuilder()
        .setCertificatePem(Pem.ofChain(List.of(cert, ca.certificate())))
        .setCaPem(ca.certificatePem())
        .build();
  }

  public static void checkName(String name) {
    if (!NODE_NAME.matcher(name).matches()) {
      throw Status.INVALID_ARGUMENT.withDescription(
          "node name '" + name + "' must be a DNS label (lowercase letters, digits, '-'): pass --name").asRuntimeException();
    }
  }
}
