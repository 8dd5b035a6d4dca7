package io.berth.agent.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.berth.proto.AgentServiceGrpc;
import io.berth.proto.JoinRequest;
import io.berth.proto.JoinResponse;
import io.berth.tls.GrpcTls;
import io.berth.tls.KeyPairs;
import io.berth.tls.PeerIdentity;
import io.berth.tls.PeerRole;
import io.berth.tls.TlsMaterial;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The agent's transport (OkHttp, {@link Dialer#okHttp()}) against a server with the coordinator's
 * mutual TLS (Netty, {@link GrpcTls#server}): the node's certificate reaches the server, and a
 * server that the cluster CA did not sign is refused.
 */
class DialerTlsTest {
  private static final Context.Key<String> PEER = Context.key("peer");

  private final Instant now = Instant.now();
  private final KeyPair caKeys = KeyPairs.newKeyPair();
  private final X500Name caName = new X500Name("CN=test CA");
  private X509Certificate ca;
  private Server server;

  @BeforeEach
  void startServer() throws Exception {
    ca = sign(caName, caKeys.getPublic(), true, null);
    KeyPair serverKeys = KeyPairs.newKeyPair();
    X509Certificate serverCert = sign(PeerIdentity.subject(PeerRole.MEMBER, "c1"), serverKeys.getPublic(),
        false, new GeneralNames(new GeneralName(GeneralName.iPAddress, "127.0.0.1")));
    TlsMaterial serverMaterial = new TlsMaterial(serverKeys.getPrivate(), List.of(serverCert, ca), ca);
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0),
            GrpcTls.server(() -> serverMaterial))
        .addService(ServerInterceptors.intercept(new NamesThePeer(), new PeerNameInterceptor()))
        .build().start();
  }

  @AfterEach
  void stopServer() {
    server.shutdownNow();
  }

  @Test
  void theNodeCertificateReachesTheCoordinator() throws Exception {
    TlsMaterial node = nodeMaterial("worker-1");
    ManagedChannel channel = Dialer.okHttp().channel(target(), GrpcTls.client(ca, () -> node)).build();
    try {
      JoinResponse r = AgentServiceGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS)
          .join(JoinRequest.getDefaultInstance());
      assertEquals("worker-1", r.getNodeId());
    } finally {
      channel.shutdownNow();
    }
  }

  @Test
  void aCoordinatorTheClusterCaDidNotSignIsRefused() throws Exception {
    X509Certificate otherCa = sign(new X500Name("CN=other CA"), KeyPairs.newKeyPair().getPublic(), true, null);
    TlsMaterial node = nodeMaterial("worker-2");
    ManagedChannel channel = Dialer.okHttp().channel(target(), GrpcTls.client(otherCa, () -> node)).build();
    try {
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> AgentServiceGrpc
          .newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS).join(JoinRequest.getDefaultInstance()));
      assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.toString());
    } finally {
      channel.shutdownNow();
    }
  }

  private String target() {
    return "127.0.0.1:" + server.getPort();
  }

  private TlsMaterial nodeMaterial(String name) throws Exception {
    KeyPair keys = KeyPairs.newKeyPair();
    X509Certificate cert = sign(PeerIdentity.subject(PeerRole.NODE, name), keys.getPublic(), false, null);
    return new TlsMaterial(keys.getPrivate(), List.of(cert, ca), ca);
  }

  private X509Certificate sign(X500Name subject, java.security.PublicKey key, boolean isCa, GeneralNames sans)
      throws Exception {
    var b = new JcaX509v3CertificateBuilder(caName, BigInteger.valueOf(System.nanoTime()),
        Date.from(now.minusSeconds(60)), Date.from(now.plusSeconds(3600)), subject, key)
        .addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
    if (sans != null) {
      b.addExtension(Extension.subjectAlternativeName, false, sans);
    }
    return new JcaX509CertificateConverter().getCertificate(
        b.build(new JcaContentSignerBuilder(KeyPairs.signatureAlgorithm()).build(caKeys.getPrivate())));
  }

  /** Answers a join with the node name of the client's certificate. */
  private static final class NamesThePeer extends AgentServiceGrpc.AgentServiceImplBase {
    @Override
    public void join(JoinRequest request, StreamObserver<JoinResponse> out) {
      out.onNext(JoinResponse.newBuilder().setNodeId(PEER.get()).build());
      out.onCompleted();
    }
  }

  /** Puts the TLS peer's name (or "anonymous") in the call's context. */
  private static final class PeerNameInterceptor implements ServerInterceptor {
    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
        ServerCallHandler<Q, A> next) {
      String name = "anonymous";
      SSLSession tls = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
      try {
        if (tls != null) {
          name = PeerIdentity.of((X509Certificate) tls.getPeerCertificates()[0]).name();
        }
      } catch (SSLPeerUnverifiedException e) {
        // no client certificate
      }
      return Contexts.interceptCall(Context.current().withValue(PEER, name), call, headers, next);
    }
  }
}
