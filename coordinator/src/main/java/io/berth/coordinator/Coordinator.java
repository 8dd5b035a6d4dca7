package io.berth.coordinator;

import io.berth.coordinator.api.ControlService;
import io.berth.coordinator.leader.EvaluationLoop;
import io.berth.coordinator.leader.NodeLiveness;
import io.berth.coordinator.scheduler.IdGenerator;
import io.berth.coordinator.scheduler.Scheduler;
import io.berth.coordinator.security.JoinToken;
import io.berth.coordinator.session.AgentService;
import io.berth.coordinator.session.AssignmentBuilder;
import io.berth.coordinator.session.NodeRegistrar;
import io.berth.coordinator.session.SessionRegistry;
import io.berth.coordinator.session.TaskStatusWriter;
import io.berth.coordinator.state.AtomixClusterStore;
import io.berth.coordinator.state.ClusterStore;
import io.berth.coordinator.state.StoreConfig;
import io.berth.coordinator.zone.ClusterZone;
import io.berth.coordinator.zone.TaskNames;
import io.berth.dns.DnsServer;
import io.berth.proto.ClusterMeta;
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
 * the gRPC endpoint for agents and the CLI, and (while leader) the evaluation and liveness loops.
 */
public final class Coordinator implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Coordinator.class);

  private final CoordinatorOptions options;
  private final ClusterStore store;
  private final ClusterMeta meta;
  private final DnsServer dns;
  private final Server grpc;
  private final TaskStatusWriter statuses;
  private final EvaluationLoop evaluations;
  private final Thread evaluationThread;
  private final ScheduledExecutorService timers;

  private Coordinator(CoordinatorOptions options) throws IOException, InterruptedException {
    this.options = options;
    Clock clock = Clock.systemUTC();
    MemberIdentity self = MemberIdentity.loadOrCreate(options.dataDir(), options.advertise(), options.raftPort());
    boolean fresh = self.isNew(options.dataDir());
    if (fresh && !options.bootstrap()) {
      throw new IllegalStateException("data dir " + options.dataDir() + " holds no cluster: start the first coordinator with --bootstrap");
    }
    store = AtomixClusterStore.start(
        StoreConfig.single(self.memberId(), options.advertise(), options.raftPort(), options.dataDir()),
        Duration.ofSeconds(90));
    meta = store.meta().orElseGet(() -> store.initMeta(newClusterMeta(options.zone(), clock)));
    TaskNames names = new TaskNames(meta.getZone());

    InetAddress advertised = InetAddress.getByName(options.advertise());
    ClusterZone zone = new ClusterZone(names, List.of(new ClusterZone.Nameserver(self.memberId(), advertised)), options.dnsTtlSeconds());
    store.addListener(zone);
    zone.accept(store.snapshot());
    dns = DnsServer.start(new InetSocketAddress(options.bind(), options.dnsPort()), zone);

    // Containers can only use a resolver on port 53 (resolv.conf has no port field).
    List<String> containerDns = options.dnsPort() == 53 ? List.of(options.advertise()) : List.of();
    SessionRegistry sessions = new SessionRegistry(new AssignmentBuilder(names, containerDns));
    store.addListener(sessions);
    sessions.accept(store.snapshot());
    NodeRegistrar registrar = new NodeRegistrar(store, clock);
    statuses = new TaskStatusWriter(store);

    evaluations = new EvaluationLoop(store, new Scheduler(IdGenerator.random()), clock);
    store.addListener(evaluations::onChange);
    String endpoint = options.advertise() + ":" + options.grpcPort();
    grpc = NettyServerBuilder.forAddress(new InetSocketAddress(options.bind(), options.grpcPort()))
        .permitKeepAliveTime(5, TimeUnit.SECONDS)
        .permitKeepAliveWithoutCalls(true)
        .addService(new AgentService(() -> meta, registrar, sessions, statuses,
            () -> List.of(endpoint), options.heartbeatInterval().toMillis()))
        .addService(new ControlService(store, sessions, () -> evaluations, names, clock))
        .build()
        .start();

    // A one-member group is always its own leader; leadership hand-over comes with multi-member Raft.
    evaluationThread = new Thread(evaluations, "berth-evaluations");
    evaluationThread.setDaemon(true);
    evaluationThread.start();
    NodeLiveness liveness = new NodeLiveness(store, sessions, registrar, options.nodeTtl());
    timers = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "berth-liveness");
      t.setDaemon(true);
      return t;
    });
    timers.scheduleWithFixedDelay(() -> {
      try {
        liveness.check();
      } catch (RuntimeException e) {
        LOG.warn("node liveness check failed: {}", e.toString());
      }
    }, 1, 1, TimeUnit.SECONDS);
  }

  public static Coordinator start(CoordinatorOptions options) throws IOException, InterruptedException {
    return new Coordinator(options);
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
    evaluations.stop();
    timers.shutdownNow();
    grpc.shutdownNow();
    statuses.close();
    dns.close();
    store.close();
  }
}
