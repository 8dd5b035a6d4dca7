package io.berth.coordinator;

import io.berth.coordinator.api.ControlService;
import io.berth.coordinator.leader.LeaderLoops;
import io.berth.coordinator.leader.Leadership;
import io.berth.coordinator.leader.MemberWatch;
import io.berth.coordinator.scheduler.IdGenerator;
import io.berth.coordinator.scheduler.Scheduler;
import io.berth.coordinator.security.JoinToken;
import io.berth.coordinator.session.AgentService;
import io.berth.coordinator.session.AssignmentBuilder;
import io.berth.coordinator.session.MemberPublisher;
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
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One coordinator process: the replicated state, the DNS server answering from this replica,
 * the gRPC endpoint for agents and the CLI, its member record, and (while it holds the leader
 * Raft leadership) the evaluation and liveness loops.
 */
public final class Coordinator implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Coordinator.class);

  private final CoordinatorOptions options;
  private final MemberIdentity self;
  private final ClusterStore store;
  private final ClusterMeta meta;
  private final DnsServer dns;
  private final Server grpc;
  private final TaskStatusWriter statuses;
  private final Leadership leadership;
  private final ScheduledExecutorService timers;

  private Coordinator(CoordinatorOptions options) throws IOException, InterruptedException {
    this.options = options;
    Clock clock = Clock.systemUTC();
    self = MemberIdentity.loadOrCreate(options.dataDir(), options.advertise(), options.raftPort(), options.peers());
    if (self.isNew(options.dataDir()) && !options.bootstrap()) {
      throw new IllegalStateException("data dir " + options.dataDir()
          + " holds no cluster: start the first coordinator with --bootstrap, or the others with --join");
    }
    store = startStore(self.storeConfig(options.dataDir(), options.raftTimings()));
    meta = firstMeta(store, options.zone(), clock);
    TaskNames names = new TaskNames(meta.getZone());
    String endpoint = options.advertise() + ":" + options.grpcPort();

    InetAddress advertised = InetAddress.getByName(options.advertise());
    ClusterZone zone = new ClusterZone(names, List.of(new ClusterZone.Nameserver(self.memberId(), advertised)),
        options.dnsTtlSeconds()).coalescing(Duration.ofMillis(50));
    store.addListener(zone);
    zone.accept(store.snapshot());
    dns = DnsServer.start(new InetSocketAddress(options.bind(), options.dnsPort()), zone,
        DnsForwardingConfig.options(options));

    SessionRegistry sessions = new SessionRegistry(new AssignmentBuilder(names));
    store.addListener(sessions);
    sessions.accept(store.snapshot());
    MemberWatch members = new MemberWatch();
    store.addListener(members);
    NodeRegistrar registrar = new NodeRegistrar(store, clock);
    statuses = new TaskStatusWriter(store);

    LeaderLoops loops = new LeaderLoops(store, new Scheduler(IdGenerator.random()), sessions, members,
        options.nodeTtl(), clock);
    leadership = new Leadership(store, self.memberId(), loops);
    loops.bind(leadership, self.memberId());
    store.addRaftRoleListener(leadership);

    grpc = NettyServerBuilder.forAddress(new InetSocketAddress(options.bind(), options.grpcPort()))
        .permitKeepAliveTime(5, TimeUnit.SECONDS)
        .permitKeepAliveWithoutCalls(true)
        .addService(new AgentService(() -> meta, registrar, sessions, statuses,
            () -> coordinatorEndpoints(endpoint), options.heartbeatInterval().toMillis()))
        .addService(new ControlService(store, sessions, loops, members, () -> meta, self.peers(), names, clock))
        .build()
        .start();

    MemberPublisher publisher = new MemberPublisher(store, sessions, MemberRecord.newBuilder()
        .setId(self.memberId())
        .setGrpcEndpoint(endpoint)
        .setRaftAddress(options.raftAddress())
        .setDnsAddress(options.advertise())
        .setDnsPort(dns.port())
        .build());
    publisher.run();
    timers = Executors.newScheduledThreadPool(1, r -> {
      Thread t = new Thread(r, "berth-coordinator-timer");
      t.setDaemon(true);
      return t;
    });
    timers.scheduleWithFixedDelay(publisher, 1, 1, TimeUnit.SECONDS);
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
   */
  private static ClusterMeta firstMeta(ClusterStore store, String zone, Clock clock) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (true) {
      try {
        return store.meta().orElseGet(() -> store.initMeta(newClusterMeta(zone, clock)));
      } catch (ClusterStore.StoreUnavailableException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        LOG.info("waiting for the Raft group to answer: {}", e.getMessage());
        Thread.sleep(500);
      }
    }
  }

  private static ClusterMeta newClusterMeta(String zone, Clock clock) {
    String clusterId = UUID.randomUUID().toString();
    // Until the cluster CA exists (the security issue), the token pins the cluster's identity.
    return ClusterMeta.newBuilder()
        .setClusterId(clusterId)
        .setZone(zone.endsWith(".") ? zone : zone + ".")
        .setJoinSecret(JoinToken.newSecret())
        .setCaFingerprint(JoinToken.sha256Hex(clusterId.getBytes(StandardCharsets.UTF_8)))
        .setCreatedAtMs(clock.millis())
        .build();
  }

  public String memberId() {
    return self.memberId();
  }

  public String joinToken() {
    return new JoinToken(meta.getCaFingerprint(), meta.getJoinSecret()).toString();
  }

  public String grpcEndpoint() {
    return options.advertise() + ":" + grpc.getPort();
  }

  public int dnsPort() {
    return dns.port();
  }

  public String zone() {
    return meta.getZone();
  }

  /** Writes the join token where scripts can read it (mode 0600). */
  public Path writeTokenFile() throws IOException {
    Path file = options.dataDir().resolve("join-token");
    Files.deleteIfExists(file);
    Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(file, joinToken() + "\n");
    return file;
  }

  @Override
  public void close() {
    timers.shutdownNow();
    leadership.resign();
    grpc.shutdownNow();
    statuses.close();
    dns.close();
    store.close();
  }
}
