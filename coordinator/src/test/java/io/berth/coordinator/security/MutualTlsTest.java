package io.berth.coordinator.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.coordinator.Coordinator;
import io.berth.coordinator.CoordinatorOptions;
import io.berth.proto.AgentMessage;
import io.berth.proto.AgentServiceGrpc;
import io.berth.proto.CoordinatorMessage;
import io.berth.proto.ControlServiceGrpc;
import io.berth.proto.EnrollRequest;
import io.berth.proto.EnrollResponse;
import io.berth.proto.HeldSession;
import io.berth.proto.HeldSessionsRequest;
import io.berth.proto.Hello;
import io.berth.proto.MemberServiceGrpc;
import io.berth.proto.JoinRequest;
import io.berth.proto.ListNodesRequest;
import io.berth.proto.NodeFacts;
import io.berth.proto.RemoveNodeRequest;
import io.berth.proto.RenewRequest;
import io.berth.proto.RotateTokenRequest;
import io.berth.tls.CaProbe;
import io.berth.tls.CertificateRequests;
import io.berth.tls.GrpcTls;
import io.berth.tls.KeyPairs;
import io.berth.tls.Pem;
import io.berth.tls.PeerIdentity;
import io.berth.tls.TlsMaterial;
import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A real coordinator (Raft on disk, gRPC over TLS on loopback) and clients holding real
 * certificates: who may call what, enrolment by token, revocation, token rotation.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MutualTlsTest {
  private Path dir;
  private Coordinator coordinator;
  private String endpoint;
  private String token;
  private final List<ManagedChannel> channels = new ArrayList<>();

  @BeforeAll
  void start() throws Exception {
    dir = Files.createTempDirectory("berth-mtls-");
    coordinator = Coordinator.start(new CoordinatorOptions(dir.resolve("c"), true, "127.0.0.1", "127.0.0.1",
        freePort(), 0, freePort(), "berth.", Duration.ofSeconds(1), Duration.ofSeconds(30), 5, List.of(),
        io.berth.coordinator.state.StoreConfig.Timings.defaults(), List.of("none"), List.of(), Duration.ofHours(1),
        0, true, dir.resolve("no-agent-bundle.tar.gz")));
    endpoint = coordinator.grpcEndpoint();
    token = coordinator.joinToken().orElseThrow();
  }

  @AfterAll
  void stop() {
    channels.forEach(ManagedChannel::shutdownNow);
    if (coordinator != null) {
      coordinator.close();
    }
  }

  private ManagedChannel channel(ChannelCredentials creds) {
    ManagedChannel c = NettyChannelBuilder.forTarget(endpoint, creds).build();
    channels.add(c);
    return c;
  }

  private ControlServiceGrpc.ControlServiceBlockingStub control(ChannelCredentials creds) {
    return ControlServiceGrpc.newBlockingStub(channel(creds)).withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  private AgentServiceGrpc.AgentServiceBlockingStub agent(ChannelCredentials creds) {
    return AgentServiceGrpc.newBlockingStub(channel(creds)).withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  private ChannelCredentials admin() {
    TlsMaterial admin = coordinator.ca().issueAdmin("admin");
    return GrpcTls.client(coordinator.ca().certificate(), () -> admin);
  }

  private ChannelCredentials anonymous() {
    return GrpcTls.anonymousClient(coordinator.ca().certificate());
  }

  /** Enrols a node the way an agent does and returns its credential. */
  private TlsMaterial enroll(String name, String withToken) {
    KeyPair keys = KeyPairs.newKeyPair();
    EnrollResponse r = agent(anonymous()).enroll(EnrollRequest.newBuilder().setToken(withToken).setNodeName(name)
        .setCsrPem(CertificateRequests.create(name, keys)).build());
    return new TlsMaterial(keys.getPrivate(), Pem.certificates(r.getCertificatePem()), Pem.certificate(r.getCaPem()));
  }

  private ChannelCredentials as(TlsMaterial m) {
    return GrpcTls.client(m.ca(), () -> m);
  }

  private static NodeFacts facts(String name) {
    return NodeFacts.newBuilder().setName(name).setAddress("127.0.0.1").setCpuMillis(1000).setMemoryBytes(1L << 30).build();
  }

  private static StatusRuntimeException refused(Status.Code code, Runnable call) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::run);
    assertEquals(code, e.getStatus().getCode(), e.getStatus().toString());
    return e;
  }

  @Test
  void tokenPinsTheCaThatTheServerPresents() throws Exception {
    JoinToken t = JoinToken.parse(token);
    assertEquals(coordinator.ca().fingerprint(), t.caFingerprint());
    String[] hostPort = endpoint.split(":");
    assertEquals(coordinator.ca().certificate(),
        CaProbe.fetch(hostPort[0], Integer.parseInt(hostPort[1]), t.caFingerprint(), 5000));
    CaProbe.CaMismatch wrong = assertThrows(CaProbe.CaMismatch.class,
        () -> CaProbe.fetch(hostPort[0], Integer.parseInt(hostPort[1]), "00".repeat(32), 5000));
    assertTrue(wrong.getMessage().contains("nothing was sent"), wrong.getMessage());
  }

  @Test
  void callsWithoutACertificateAreRefusedWithWhatToDo() {
    var e = refused(Status.Code.UNAUTHENTICATED, () -> control(anonymous()).listNodes(ListNodesRequest.getDefaultInstance()));
    assertTrue(e.getStatus().getDescription().contains("admin credential"), e.getStatus().getDescription());
    var a = refused(Status.Code.UNAUTHENTICATED, () -> agent(anonymous()).join(JoinRequest.newBuilder()
        .setToken(token).setFacts(facts("sneaky")).build()));
    assertTrue(a.getStatus().getDescription().contains("enrol"), a.getStatus().getDescription());
    // Plaintext gets no gRPC answer at all.
    refused(Status.Code.UNAVAILABLE, () -> ControlServiceGrpc.newBlockingStub(channel(io.grpc.InsecureChannelCredentials.create()))
        .withDeadlineAfter(10, TimeUnit.SECONDS).listNodes(ListNodesRequest.getDefaultInstance()));
  }

  @Test
  void theAdminCredentialDrivesTheControlApi() {
    control(admin()).listNodes(ListNodesRequest.getDefaultInstance());
  }

  @Test
  void aForgedSecretEnrolsNothing() {
    String forged = "BERTH1-" + coordinator.ca().fingerprint() + "-" + JoinToken.newSecret();
    var e = refused(Status.Code.UNAUTHENTICATED, () -> enroll("forger", forged));
    assertTrue(e.getStatus().getDescription().contains("not valid for this cluster"), e.getStatus().getDescription());
    assertFalse(control(admin()).listNodes(ListNodesRequest.getDefaultInstance()).getNodesList().stream()
        .anyMatch(n -> n.getFacts().getName().equals("forger")));
  }

  @Test
  void aNodeCertificateMayNotUseTheControlApi() {
    TlsMaterial n = enroll("worker-a", token);
    assertEquals("worker-a", n.identity().name());
    var e = refused(Status.Code.PERMISSION_DENIED, () -> control(as(n)).listNodes(ListNodesRequest.getDefaultInstance()));
    assertTrue(e.getStatus().getDescription().contains("admin credential"), e.getStatus().getDescription());
  }

  @Test
  void aNodeCannotReportAsAnotherNode() throws Exception {
    TlsMaterial n = enroll("worker-b", token);
    var e = refused(Status.Code.PERMISSION_DENIED,
        () -> agent(as(n)).join(JoinRequest.newBuilder().setFacts(facts("worker-c")).build()));
    assertTrue(e.getStatus().getDescription().contains("cannot report as node 'worker-c'"), e.getStatus().getDescription());
    // The session's Hello is checked too.
    Throwable ended = session(as(n), "worker-c").get(20, TimeUnit.SECONDS);
    assertEquals(Status.Code.PERMISSION_DENIED, Status.fromThrowable(ended).getCode());
    // As itself it is welcome.
    assertEquals("worker-b", agent(as(n)).join(JoinRequest.newBuilder().setFacts(facts("worker-b")).build()).getNodeId());
  }

  @Test
  void aRemovedNodeIsRevokedAndItsOpenSessionClosed() throws Exception {
    TlsMaterial n = enroll("worker-d", token);
    ChannelCredentials creds = as(n);
    CompletableFuture<Throwable> open = session(creds, "worker-d");
    var admin = control(admin());
    io.berth.coordinator.testing.Await.until("worker-d registered", Duration.ofSeconds(20),
        () -> admin.listNodes(ListNodesRequest.getDefaultInstance()).getNodesList().stream()
            .anyMatch(x -> x.getFacts().getName().equals("worker-d")));
    assertTrue(admin.removeNode(RemoveNodeRequest.newBuilder().setNode("worker-d").build()).getExisted());
    assertTrue(open.get(20, TimeUnit.SECONDS) != null, "the open session is closed");
    var e = refused(Status.Code.PERMISSION_DENIED,
        () -> agent(creds).join(JoinRequest.newBuilder().setFacts(facts("worker-d")).build()));
    assertTrue(e.getStatus().getDescription().contains("removed"), e.getStatus().getDescription());
    refused(Status.Code.PERMISSION_DENIED, () -> agent(creds).renew(RenewRequest.newBuilder()
        .setCsrPem(CertificateRequests.create("worker-d", KeyPairs.newKeyPair())).build()));
    assertFalse(admin.listNodes(ListNodesRequest.getDefaultInstance()).getNodesList().stream()
        .anyMatch(x -> x.getFacts().getName().equals("worker-d")));
    // Another node is undisturbed, and the host may enrol again with the token (a new certificate).
    TlsMaterial other = enroll("worker-e", token);
    agent(as(other)).join(JoinRequest.newBuilder().setFacts(facts("worker-e")).build());
    TlsMaterial again = io.berth.coordinator.testing.Await.until("a new certificate for worker-d", Duration.ofSeconds(10),
        () -> enroll("worker-d", token), m -> true);
    assertTrue(again.identity().notBefore().isAfter(n.identity().notBefore()));
    // Its certificate starts after the revocation (second precision): usable within a second.
    io.berth.coordinator.testing.Await.until("worker-d back with its new certificate", Duration.ofSeconds(10),
        () -> agent(as(again)).join(JoinRequest.newBuilder().setFacts(facts("worker-d")).build()), r -> true);
  }

  @Test
  void aConnectedNodesNameCannotBeTakenWithTheToken() throws Exception {
    TlsMaterial n = enroll("worker-i", token);
    CompletableFuture<Throwable> open = session(as(n), "worker-i");
    var e = io.berth.coordinator.testing.Await.until("worker-i connected", Duration.ofSeconds(20), () -> {
      try {
        enroll("worker-i", token);
        return null;
      } catch (StatusRuntimeException refusal) {
        return refusal;
      }
    }, r -> r != null);
    assertEquals(Status.Code.ALREADY_EXISTS, e.getStatus().getCode(), e.getStatus().toString());
    assertTrue(e.getStatus().getDescription().contains("berth node rm worker-i"), e.getStatus().getDescription());
    assertFalse(open.isDone(), "the connected node is undisturbed");
  }

  @Test
  void onlyAnotherMemberMayAskWhichSessionsThisOneHolds() throws Exception {
    TlsMaterial n = enroll("worker-m", token);
    long interval = agent(as(n)).join(JoinRequest.newBuilder().setFacts(facts("worker-m")).build())
        .getHeartbeatIntervalMs();
    CompletableFuture<Throwable> open = session(as(n), "worker-m");
    TlsMaterial member = coordinator.ca().issueMember("c9", List.of("127.0.0.1"));
    var asMember = MemberServiceGrpc.newBlockingStub(channel(GrpcTls.client(member.ca(), () -> member)))
        .withDeadlineAfter(20, TimeUnit.SECONDS);
    HeldSession held = io.berth.coordinator.testing.Await.until("worker-m's session held", Duration.ofSeconds(20),
        () -> asMember.heldSessions(HeldSessionsRequest.getDefaultInstance()).getSessionsList().stream()
            .filter(h -> h.getNode().equals("worker-m")).findFirst(), Optional::isPresent).orElseThrow();
    assertTrue(held.getQuietMillis() < 20_000, "heard from within the test: " + held);
    assertTrue(interval > 0);
    assertEquals(interval, held.getHeartbeatIntervalMs(), "the interval its Join gave the agent: " + held);
    assertFalse(open.isDone());
    refused(Status.Code.PERMISSION_DENIED, () -> MemberServiceGrpc.newBlockingStub(channel(as(n)))
        .heldSessions(HeldSessionsRequest.getDefaultInstance()));
    refused(Status.Code.PERMISSION_DENIED, () -> MemberServiceGrpc.newBlockingStub(channel(admin()))
        .heldSessions(HeldSessionsRequest.getDefaultInstance()));
  }

  @Test
  void aRotatedTokenRefusesTheOldSecretOnly() {
    TlsMaterial before = enroll("worker-f", token);
    String fresh = control(admin()).rotateToken(RotateTokenRequest.getDefaultInstance()).getToken();
    try {
      assertEquals(JoinToken.parse(token).caFingerprint(), JoinToken.parse(fresh).caFingerprint());
      refused(Status.Code.UNAUTHENTICATED, () -> enroll("worker-g", token));
      enroll("worker-g", fresh);
      // Enrolled nodes keep working.
      agent(as(before)).join(JoinRequest.newBuilder().setFacts(facts("worker-f")).build());
    } finally {
      token = fresh;
    }
  }

  @Test
  void aNodeRenewsItsOwnCertificateOnly() {
    TlsMaterial n = enroll("worker-h", token);
    KeyPair keys = KeyPairs.newKeyPair();
    EnrollResponse r = agent(as(n)).renew(RenewRequest.newBuilder().setCsrPem(CertificateRequests.create("worker-h", keys)).build());
    PeerIdentity renewed = PeerIdentity.of(Pem.certificate(r.getCertificatePem()));
    assertEquals("worker-h", renewed.name());
    assertTrue(!renewed.serial().equals(n.identity().serial()));
    refused(Status.Code.INVALID_ARGUMENT, () -> agent(as(n)).renew(RenewRequest.newBuilder()
        .setCsrPem(CertificateRequests.create("worker-a", KeyPairs.newKeyPair())).build()));
  }

  @Test
  void aJoiningCoordinatorGetsTheCaOnlyWithTheTokenAndNotAtATakenAddress() throws Exception {
    var anonymousControl = control(anonymous());
    String forged = "BERTH1-" + coordinator.ca().fingerprint() + "-" + JoinToken.newSecret();
    var e = refused(Status.Code.UNAUTHENTICATED, () -> anonymousControl.joinCluster(
        io.berth.proto.ClusterJoinRequest.newBuilder().setToken(forged).setRaftAddress("127.0.0.1:1").build()));
    assertTrue(e.getStatus().getDescription().contains("not valid for this cluster"), e.getStatus().getDescription());
    String self = coordinator.memberTls().identity().name(); // c-127-0-0-1-<raft port>
    String raftAddress = "127.0.0.1:" + self.substring(self.lastIndexOf('-') + 1);
    // This member's own address is taken: it is up.
    var taken = refused(Status.Code.ALREADY_EXISTS, () -> control(anonymous()).joinCluster(
        io.berth.proto.ClusterJoinRequest.newBuilder().setToken(token).setRaftAddress(raftAddress).build()));
    assertTrue(taken.getStatus().getDescription().contains("is taken by member " + self), taken.getStatus().getDescription());
    // A new address is told to join the running group (a Raft configuration change) with the members.
    var joined = control(anonymous()).joinCluster(
        io.berth.proto.ClusterJoinRequest.newBuilder().setToken(token).setRaftAddress("127.0.0.1:1").build());
    assertTrue(joined.getAddMember());
    assertEquals(List.of(raftAddress), joined.getPeersList());
    assertEquals(coordinator.ca().fingerprint(), joined.getMeta().getCaFingerprint());
    assertTrue(joined.getMeta().getJoinSecret().isEmpty());
    ClusterCa copy = ClusterCa.install(dir.resolve("copy"), joined.getCaKeyPem(), joined.getCaPem());
    assertEquals(coordinator.ca().fingerprint(), copy.fingerprint(), "the joining member can sign for the cluster");
  }

  @Test
  void privateKeysStayOutOfTheTokenFileAndTheReplicatedIdentity() throws Exception {
    String tokenFile = Files.readString(coordinator.tokenFile());
    assertFalse(tokenFile.contains("PRIVATE KEY"));
    assertEquals(Set.of(java.nio.file.attribute.PosixFilePermission.OWNER_READ,
        java.nio.file.attribute.PosixFilePermission.OWNER_WRITE), Files.getPosixFilePermissions(coordinator.tokenFile()));
    io.berth.proto.ClusterMeta meta = io.berth.proto.ClusterMeta.parseFrom(java.util.Base64.getDecoder().decode(
        Files.readString(dir.resolve("c/ca/cluster-meta.pb")).trim()));
    assertTrue(meta.getJoinSecret().isEmpty(), "only the secret's hash is kept");
    assertFalse(meta.toString().contains(JoinToken.parse(token).secret()));
  }

  /** Opens a session that says Hello as {@code name}; completes with how it ended. */
  private CompletableFuture<Throwable> session(ChannelCredentials creds, String name) {
    CompletableFuture<Throwable> ended = new CompletableFuture<>();
    StreamObserver<AgentMessage> out = AgentServiceGrpc.newStub(channel(creds)).session(new StreamObserver<>() {
      @Override public void onNext(CoordinatorMessage m) {}
      @Override public void onError(Throwable t) { ended.complete(t); }
      @Override public void onCompleted() { ended.complete(new IllegalStateException("completed")); }
    });
    out.onNext(AgentMessage.newBuilder().setHello(Hello.newBuilder().setNodeId(name).setFacts(facts(name))
        .setRuntimeHealthy(true)).build());
    return ended;
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
