package io.berth.coordinator;

import io.berth.coordinator.api.ControlService;
import io.berth.coordinator.http.AgentBundle;
import io.berth.coordinator.http.HttpServer;
import io.berth.coordinator.http.InstallScript;
import io.berth.coordinator.http.RequestCounters;
import io.berth.coordinator.http.Routes;
import io.berth.coordinator.leader.LeaderLoops;
import io.berth.coordinator.leader.Leadership;
import io.berth.coordinator.leader.MemberWatch;
import io.berth.coordinator.scheduler.IdGenerator;
import io.berth.coordinator.scheduler.Scheduler;
import io.berth.coordinator.api.StartingControlService;
import io.berth.coordinator.security.CallAuthorizer;
import io.berth.coordinator.security.ClusterCa;
import io.berth.coordinator.security.ClusterJoins;
import io.berth.coordinator.security.ClusterSecrets;
import io.berth.coordinator.security.HandshakeAdmission;
import io.berth.coordinator.security.JoinToken;
import io.berth.coordinator.security.NodeCertificates;
import io.berth.coordinator.security.RaftKeyStores;
import io.berth.coordinator.security.ServerNames;
import io.berth.coordinator.security.ServerTls;
import io.berth.tls.GrpcTls;
import io.berth.tls.TlsMaterial;
import io.grpc.util.MutableHandlerRegistry;
import io.berth.coordinator.session.AgentService;
import io.berth.coordinator.session.AssignmentBuilder;
import io.berth.coordinator.diagnostics.ReplicaStallReport;
import io.berth.coordinator.session.LaggingReplicaHandOff;
import io.berth.coordinator.session.MemberPublisher;
import io.berth.coordinator.session.HeldSessionsService;
import io.berth.coordinator.leader.GrpcMemberProbe;
import io.berth.coordinator.leader.MemberProbe;
import io.berth.coordinator.session.NodeRegistrar;
import io.berth.coordinator.session.SessionRegistry;
import io.berth.coordinator.session.TaskStatusWriter;
import io.berth.coordinator.state.RaftClusterStore;
import io.berth.coordinator.state.ClusterStore;
import io.berth.coordinator.zone.ClusterZone;
import io.berth.coordinator.zone.TaskNames;
import io.berth.dns.DnsServer;
import io.berth.proto.ClusterMeta;
import io.berth.proto.MemberRecord;
import io.berth.tls.TlsMaterial;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One coordinator process: the replicated state, the DNS server answering from this replica,
 * the gRPC endpoint (mutual TLS) for agents and the CLI, its member record, and (while it holds
 * Raft leadership) the evaluation and liveness loops. The gRPC server starts before the Raft
 * member so the members of a new group can fetch the CA from the first one.
 */
public final class Coordinator implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Coordinator.class);

  private final CoordinatorOptions options;
  private final MemberIdentity self;
  private final ClusterSecrets secrets;
  private final TlsMaterial memberTls;
  private final ClusterStore store;
  private final DnsServer dns;
  private final Server grpc;
  private final HttpServer http;
  private final RequestCounters httpRequests = new RequestCounters();
  private final TaskStatusWriter statuses;
  private final Leadership leadership;
  private final ScheduledExecutorService timers;
  private final MemberProbe probe;
  private final RemovalWatch removal;

  private Coordinator(CoordinatorOptions options) throws IOException, InterruptedException {
    this.options = options;
    Clock clock = Clock.systemUTC();
    self = MemberIdentity.loadOrCreate(options.dataDir(), options.advertise(), options.raftPort(), options.peers(),
        options.addMember());
    if (self.isNew(options.dataDir()) && !options.bootstrap()) {
      throw new IllegalStateException("data dir " + options.dataDir()
          + " holds no cluster: start the first coordinator with --bootstrap, or the others with --join");
    }
    secrets = ClusterSecrets.loadOrCreate(options.dataDir(), options.zone(), clock);
    // The names this member answers to (every local address when bound to 0.0.0.0): for both certificates.
    java.util.List<String> serverNames = ServerNames.of(options.bind(), options.advertise());
    memberTls = secrets.ca().issueMember(self.memberId(), serverNames);
    MutableHandlerRegistry services = new MutableHandlerRegistry();
    ClusterJoins joins = new ClusterJoins(secrets, io.berth.coordinator.api.GroupRoster.forming(self.peers(),
        self.memberId()));
    services.addService(new StartingControlService(joins, secrets::proposedMeta));
    AtomicReference<ClusterStore> storeRef = new AtomicReference<>(); // the authorizer reads revocations once it is up
    // TLS with a bounded number of handshakes at once (and a short queue), so a join storm cannot
    // starve them all.
    grpc = NettyServerBuilder.forAddress(new InetSocketAddress(options.bind(), options.grpcPort()))
        .protocolNegotiator(ServerTls.withAdmission(() -> memberTls, HandshakeAdmission.DEFAULT_LIMIT,
            HandshakeAdmission.DEFAULT_QUEUE, HandshakeAdmission.DEFAULT_MAX_WAIT))
        .permitKeepAliveTime(5, TimeUnit.SECONDS)
        .permitKeepAliveWithoutCalls(true)
        .intercept(new CallAuthorizer(() -> Optional.ofNullable(storeRef.get()).flatMap(ClusterStore::meta)))
        .fallbackHandlerRegistry(services)
        .build()
        .start();
    ClusterMeta meta;
    try {
      // Raft between members is mutual TLS too, under an anchor only members' Raft certificates chain to.
      TlsMaterial raftTls = secrets.ca().issueRaftMember(self.memberId(), serverNames);
      store = startStore(self.storeConfig(options.dataDir(), options.raftTimings())
          .withSegmentBytes(options.raftSegmentBytes())
          .withTls(RaftKeyStores.write(options.dataDir(), raftTls)));
      storeRef.set(store);
      meta = firstMeta(store, secrets.proposedMeta());
    } catch (IOException e) {
      grpc.shutdownNow();
      throw new UncheckedIOException("cannot write the Raft transport's key stores", e);
    } catch (RuntimeException | InterruptedException e) {
      grpc.shutdownNow();
      throw e;
    }
    if (!meta.getCaFingerprint().equals(secrets.ca().fingerprint())) {
      grpc.shutdownNow();
      store.close();
      throw new IllegalStateException("this member made its own CA (" + secrets.ca().fingerprint() + ") but the "
          + "cluster's is " + meta.getCaFingerprint() + ": start every member after the first with --join "
          + "FIRST_MEMBER:GRPC_PORT --token TOKEN (it fetches the cluster's CA)");
    }
    removal = new RemovalWatch(store, self.memberId());
    TaskNames names = new TaskNames(meta.getZone());
    String endpoint = options.advertise() + ":" + options.grpcPort();

    InetAddress advertised = InetAddress.getByName(options.advertise());
    ClusterZone zone = new ClusterZone(names, List.of(new ClusterZone.Nameserver(self.memberId(), advertised)),
        options.dnsTtlSeconds()).coalescing(Duration.ofMillis(50));
    store.addListener(zone);
    zone.accept(store.snapshot());
    dns = DnsServer.start(new InetSocketAddress(options.bind(), options.dnsPort()), zone,
        DnsForwardingConfig.options(options));

    SessionRegistry sessions = new SessionRegistry(new AssignmentBuilder(names), () -> coordinatorEndpoints(endpoint));
    store.addListener(sessions);
    sessions.accept(store.snapshot());
    MemberWatch members = new MemberWatch();
    store.addListener(members);
    NodeRegistrar registrar = new NodeRegistrar(store, clock);
    statuses = new TaskStatusWriter(store);

    // Asked before nodes are judged down; it must answer well within the TTL to be of use.
    probe = new GrpcMemberProbe(GrpcTls.client(secrets.ca().certificate(), () -> memberTls),
        Duration.ofMillis(Math.min(2000, options.nodeTtl().toMillis() / 2)));
    LeaderLoops loops = new LeaderLoops(store, new Scheduler(IdGenerator.random()), sessions, members, probe,
        options.nodeTtl(), clock);
    leadership = new Leadership(store, self.memberId(), loops);
    loops.bind(leadership, self.memberId());
    store.addRaftRoleListener(leadership);

    AgentService agents = new AgentService(new NodeCertificates(secrets.ca(), clock, options.nodeCertValidity()),
        node -> sessions.connected(node) || store.snapshot().members().values().stream()
            .anyMatch(m -> m.getConnectedNodesList().contains(node)),
        this::meta, registrar, sessions, statuses, () -> coordinatorEndpoints(endpoint),
        options.heartbeatInterval().toMillis(), () -> store.snapshot().nodes().size());
    store.addListener(snapshot -> agents.closeRevoked(meta()));
    services.addService(agents);
    services.addService(new HeldSessionsService(sessions));
    services.addService(new ControlService(store, sessions, loops, members, this::meta, names, clock, secrets));

    // install.sh, /ca.crt and the agent bundle; HTTPS with this member's certificate (the cluster CA's).
    Optional<TlsMaterial> httpTls = Optional.of(memberTls);
    String httpFrom = options.advertise() + ":" + options.httpPort();
    http = startHttp(options, new Routes(InstallScript.packaged(), () -> coordinatorEndpoints(endpoint), () -> httpTls,
        new AgentBundle(options.agentBundle()), name -> Optional.ofNullable(store.snapshot().nodes().get(name)),
        httpRequests, httpFrom), httpTls);

    MemberPublisher publisher = new MemberPublisher(store, sessions, MemberRecord.newBuilder()
        .setId(self.memberId())
        .setGrpcEndpoint(endpoint)
        .setRaftAddress(options.raftAddress())
        .setDnsAddress(options.advertise())
        .setDnsPort(dns.port())
        .build());
    publisher.publish();
    LaggingReplicaHandOff handOff = LaggingReplicaHandOff.of(store, sessions);
    ReplicaStallReport stallReport = ReplicaStallReport.of(() -> store.snapshot().version());
    timers = Executors.newScheduledThreadPool(1, r -> {
      Thread t = new Thread(r, "berth-coordinator-timer");
      t.setDaemon(true);
      return t;
    });
    timers.scheduleWithFixedDelay(() -> {
      if (!removal.marked()) {
        handOff.afterOwnWrite(publisher.publish());
        stallReport.check();
        rememberPeers();
      }
    }, 1, 1, TimeUnit.SECONDS);
    store.addListener(removal);
  }

  /** Completes, with why, when this member was removed from the cluster and should stop. */
  public java.util.concurrent.CompletableFuture<String> removed() {
    return removal.removed();
  }

  /** Keeps the data dir's peer list at the current configuration, for the next start's discovery. */
  private void rememberPeers() {
    try {
      MemberIdentity.rememberPeers(options.dataDir(), List.copyOf(store.membership().raftAddresses().values()));
    } catch (IOException | RuntimeException e) {
      LOG.debug("peer list not saved: {}", e.toString());
    }
  }

  public static Coordinator start(CoordinatorOptions options) throws IOException, InterruptedException {
    return new Coordinator(options);
  }

  /** Every coordinator's gRPC endpoint, this one first, so agents can fail over. */
  private List<String> coordinatorEndpoints(String own) {
    List<String> all = new java.util.ArrayList<>();
    all.add(own);
    for (MemberRecord m : store.snapshot().members().values()) {
      if (!m.getGrpcEndpoint().equals(own)) {
        all.add(m.getGrpcEndpoint());
      }
    }
    return all;
  }

  /**
   * Starts this member's Raft, trying again a few times: a member restarted while its peers are
   * busy (catching up, electing) may not get in within one attempt, and giving up would leave the
   * cluster a member short until someone restarts it by hand.
   */
  private static ClusterStore startStore(io.berth.coordinator.state.StoreConfig config) {
    int attempts = 3;
    for (int attempt = 1; ; attempt++) {
      try {
        return RaftClusterStore.start(config, Duration.ofSeconds(90));
      } catch (ClusterStore.StoreUnavailableException e) {
        if (attempt == attempts) {
          throw e;
        }
        LOG.warn("Raft start attempt {} of {} failed ({}); trying again", attempt, attempts, e.getMessage());
      }
    }
  }

  /**
   * Reads (or, on a new cluster, writes) the cluster identity. The members of a new group start
   * together and elect a Raft leader first, so early attempts may time out: retry for a while.
   * Every member of a new group proposes the same identity (the first member's, handed over at join).
   */
  private static ClusterMeta firstMeta(ClusterStore store, ClusterMeta proposed) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (true) {
      try {
        return store.meta().orElseGet(() -> store.initMeta(proposed));
      } catch (ClusterStore.StoreUnavailableException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        LOG.info("waiting for the Raft group to answer: {}", e.getMessage());
        Thread.sleep(500);
      }
    }
  }

  /** The cluster identity as this replica sees it now (token rotations and revocations included). */
  private ClusterMeta meta() {
    return store.meta().orElseThrow();
  }

  /**
   * The HTTP server, or null when the default port is taken: a coordinator that cannot serve
   * install.sh still schedules and answers DNS (several coordinators on one machine in tests).
   * A port given with --http-port must be had.
   */
  private HttpServer startHttp(CoordinatorOptions options, Routes routes, Optional<TlsMaterial> tls)
      throws InterruptedException {
    try {
      return HttpServer.start(new InetSocketAddress(options.bind(), options.httpPort()), routes, httpRequests, () -> tls);
    } catch (UncheckedIOException e) {
      if (options.httpPortRequired() || !(e.getCause() instanceof java.net.BindException)) {
        throw e;
      }
      LOG.error("http: cannot listen on {}:{} ({}): install.sh and the agent bundle are NOT served by this coordinator;"
          + " give a free --http-port", options.bind(), options.httpPort(), e.getMessage());
      return null;
    }
  }

  /** The HTTP(S) port, or -1 when this coordinator serves no HTTP. */
  public int httpPort() {
    return http == null ? -1 : http.port();
  }

  public String memberId() {
    return self.memberId();
  }

  /** The current join token if this member knows it (it made the cluster or rotated the token last). */
  public Optional<String> joinToken() throws IOException {
    return secrets.currentToken(meta()).map(JoinToken::toString);
  }

  /** The join token's first part: the SHA-256 of the cluster CA. */
  public String caFingerprint() {
    return secrets.ca().fingerprint();
  }

  public ClusterCa ca() {
    return secrets.ca();
  }

  /**
   * This coordinator's member certificate and key with the CA to trust: what its gRPC server
   * presents, what it shows other coordinators, and what a TLS Raft transport would use.
   */
  public TlsMaterial memberTls() {
    return memberTls;
  }

  public String grpcEndpoint() {
    return options.advertise() + ":" + grpc.getPort();
  }

  public int dnsPort() {
    return dns.port();
  }

  public String zone() {
    return meta().getZone();
  }

  /** Where this member keeps the join token (mode 0600), when it knows it. */
  public Path tokenFile() {
    return secrets.tokenFile();
  }

  @Override
  public void close() {
    timers.shutdownNow();
    leadership.resign();
    probe.close();
    grpc.shutdownNow();
    if (http != null) {
      http.close();
    }
    statuses.close();
    dns.close();
    store.close();
  }
}
