package io.berth.coordinator.security;

import io.berth.proto.ClusterMeta;
import io.berth.proto.RevokedNode;
import io.berth.tls.PeerIdentity;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Supplier;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Every call needs a verified client certificate (TLS checked it against the cluster CA) whose
 * role may use the method and which is not revoked; the token-authorized enrolment calls are the
 * exception. The caller's identity is put in the call's context ({@link CallerIdentity}).
 */
public final class CallAuthorizer implements ServerInterceptor {
  private final Supplier<Optional<ClusterMeta>> meta;

  /** @param meta the current cluster identity (revocations), empty while it is not known yet */
  public CallAuthorizer(Supplier<Optional<ClusterMeta>> meta) {
    this.meta = meta;
  }

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
      ServerCallHandler<Q, A> next) {
    String method = call.getMethodDescriptor().getFullMethodName();
    Optional<PeerIdentity> who = peer(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
    if (CallPolicy.tokenAuthorized(method)) {
      return next.startCall(call, headers);
    }
    if (who.isEmpty()) {
      return refuse(call, Status.UNAUTHENTICATED.withDescription(CallPolicy.missingCredential(method)));
    }
    PeerIdentity id = who.get();
    if (!CallPolicy.allowed(method).contains(id.role())) {
      return refuse(call, Status.PERMISSION_DENIED.withDescription(CallPolicy.wrongRole(method, id.toString())));
    }
    Optional<RevokedNode> revoked = meta.get().flatMap(m -> Revocations.refusing(m, id));
    if (revoked.isPresent()) {
      return refuse(call, Status.PERMISSION_DENIED.withDescription("node " + id.name() + " was removed from the "
          + "cluster (berth node rm) at " + Instant.ofEpochMilli(revoked.get().getRevokedAtMs())
          + " and its certificate is revoked: to add the host again, delete the agent's tls/ directory in its "
          + "--data-dir and start it with a join token"));
    }
    Context ctx = Context.current().withValue(CallerIdentity.KEY, id);
    return Contexts.interceptCall(ctx, call, headers, next);
  }

  /**
   * The identity the session's certificate names, read once per TLS session and kept on it: an
   * agent's reconnect makes two calls (Join, then its session), and each read parses the subject's
   * ASN.1 and formats the serial, which in a reconnect storm was enough to be compiled anew.
   */
  private static Optional<PeerIdentity> peer(SSLSession session) {
    if (session == null) {
      return Optional.empty();
    }
    if (session.getValue(IDENTITY) instanceof PeerIdentity known) {
      return Optional.of(known);
    }
    try {
      Certificate[] chain = session.getPeerCertificates();
      if (chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
        return Optional.empty();
      }
      PeerIdentity id = PeerIdentity.of(leaf);
      session.putValue(IDENTITY, id);
      return Optional.of(id);
    } catch (SSLPeerUnverifiedException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** The name {@link #peer} keeps a session's identity under. */
  private static final String IDENTITY = "io.berth.peer-identity";

  private static <Q, A> ServerCall.Listener<Q> refuse(ServerCall<Q, A> call, Status status) {
    call.close(status, new Metadata());
    return new ServerCall.Listener<>() {};
  }
}
