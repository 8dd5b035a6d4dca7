package io.berth.coordinator.state;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import io.atomix.cluster.AtomixCluster;
import io.atomix.cluster.AtomixClusterBuilder;
import io.atomix.cluster.MemberId;
import io.atomix.cluster.Node;
import io.atomix.cluster.discovery.BootstrapDiscoveryProvider;
import io.atomix.primitive.Recovery;
import io.atomix.primitive.impl.DefaultPrimitiveTypeRegistry;
import io.atomix.primitive.operation.PrimitiveOperation;
import io.atomix.primitive.partition.PartitionId;
import io.atomix.primitive.service.ServiceConfig;
import io.atomix.primitive.session.SessionClient;
import io.atomix.protocols.raft.RaftClient;
import io.atomix.protocols.raft.RaftServer;
import io.atomix.protocols.raft.ReadConsistency;
import io.atomix.protocols.raft.RaftError;
import io.atomix.protocols.raft.cluster.RaftMember;
import io.atomix.protocols.raft.cluster.impl.DefaultRaftMember;
import io.atomix.protocols.raft.impl.RaftContext;
import io.atomix.protocols.raft.protocol.LeaveRequest;
import io.atomix.protocols.raft.protocol.LeaveResponse;
import io.atomix.protocols.raft.protocol.RaftResponse;
import io.atomix.protocols.raft.partition.impl.RaftNamespaces;
import io.atomix.protocols.raft.session.CommunicationStrategy;
import io.atomix.protocols.raft.storage.RaftStorage;
import io.atomix.storage.StorageLevel;
import io.atomix.utils.net.Address;
import io.atomix.utils.serializer.Serializer;
import io.berth.proto.ClusterMeta;
import io.berth.proto.JobState;
import io.berth.proto.LeaderClaim;
import io.berth.proto.MemberRecord;
import io.berth.proto.NodeRecord;
import io.berth.proto.StateCommand;
import io.berth.proto.StateOp;
import io.berth.proto.StateResult;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ClusterStore} on Atomix's lower-level Raft: this member's {@link RaftServer} runs Berth's
 * {@link StateService}, and a {@link RaftClient} session submits commands (one protobuf
 * {@link StateCommand} per log entry). The replica view is fed straight from the state machine as
 * it applies entries, so it follows the log exactly. The only class that wires Atomix together.
 */
public final class RaftClusterStore implements ClusterStore {
  private static final Logger LOG = LoggerFactory.getLogger(RaftClusterStore.class);
  private static final String GROUP = "berth";
  private static final int MAX_CAS_ATTEMPTS = 64;
  // One command (~150 bytes a task written): writers of many tasks split them (PlanApplier). Not
  // more: every log segment reader and writer allocates twice this on the heap, and with 32 MiB the
  // garbage alone paused the JVM long enough (0.2-0.9 s) to trigger elections.
  private static final int MAX_ENTRY_BYTES = 4 * 1024 * 1024;
  // Entries on their way at once; commands submitted meanwhile wait and leave together (group commit).
  private static final int MAX_ENTRIES_IN_FLIGHT = 4;
  // A healthy member applies a committed entry within milliseconds; this long without progress is a stuck one.
  private static final Duration APPLY_PATIENCE = Duration.ofSeconds(10);

  private final StoreConfig config;
  private final List<MemberId> memberIds;
  private final ReplicaView view = new ReplicaView();
  private final ApplyProgress applyProgress = new ApplyProgress(APPLY_PATIENCE.toNanos());
  private final ExecutorService viewThread = Executors.newSingleThreadExecutor(r -> daemon(r, "berth-replica-view"));
  private final ExecutorService roleThread = Executors.newSingleThreadExecutor(r -> daemon(r, "berth-raft-role"));
  private final ScheduledExecutorService redirectTimer =
      Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "berth-raft-redirect"));
  private final List<Consumer<ClusterSnapshot>> listeners = new CopyOnWriteArrayList<>();
  private final List<RaftRoleListener> roleListeners = new CopyOnWriteArrayList<>();
  private final Object appliedMonitor = new Object();
  private volatile ClusterSnapshot current = ClusterSnapshot.EMPTY;
  private volatile ClusterMeta meta;
  private volatile long appliedIndex;
  private AtomixCluster cluster;
  private volatile RaftServer server;
  private RaftClient client;
  private SessionClient session;
  private volatile CommandBatcher batcher;
  private final ExecutorService replyThread = Executors.newSingleThreadExecutor(r -> daemon(r, "berth-raft-replies"));
  private MemberAdmissionProtocol protocol;
  private volatile long startConfigIndex;

  private RaftClusterStore(StoreConfig config) {
    this.config = config;
    List<MemberId> ids = new ArrayList<>();
    for (String m : config.members()) {
      ids.add(MemberId.from(m.substring(0, m.indexOf('@'))));
    }
    this.memberIds = List.copyOf(ids);
  }

  /** Starts (or restarts, from the data dir) this member and waits until it can submit commands. */
  public static RaftClusterStore start(StoreConfig config, Duration startTimeout) {
    RaftClusterStore store = new RaftClusterStore(config);
    try {
      store.open(startTimeout);
      return store;
    } catch (IllegalStateException e) {
      store.close();
      if (e.getMessage() != null && e.getMessage().contains(MemberAdmissionProtocol.REMOVED)) {
        throw e; // refused for good: trying again cannot help
      }
      throw new StoreUnavailableException(
          "the Raft member " + config.memberId() + " did not start within " + startTimeout + ": " + e, e);
    } catch (Exception e) {
      store.close(); // release its ports and files before anyone starts again
      throw new StoreUnavailableException(
          "the Raft member " + config.memberId() + " did not start within " + startTimeout + ": " + e, e);
    }
  }

  private void open(Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    StoreConfig.Timings timings = config.timings();
    List<Node> nodes = new ArrayList<>();
    for (String m : config.members()) {
      int at = m.indexOf('@');
      nodes.add(Node.builder().withId(m.substring(0, at)).withAddress(Address.from(m.substring(at + 1))).build());
    }
    AtomixClusterBuilder messaging = AtomixCluster.builder()
        .withClusterId("berth")
        .withMemberId(config.memberId())
        .withAddress(config.host(), config.port())
        .withMessagingInterface(config.host())
        .withMembershipProvider(BootstrapDiscoveryProvider.builder().withNodes(nodes).build());
    if (config.tls() != null) {
      // Atomix requires a client certificate on its server side and checks both ends against the trust store.
      messaging.withTlsEnabled()
          .withKeyStore(config.tls().keyStore().toString())
          .withKeyStorePassword(config.tls().password())
          .withTrustStore(config.tls().trustStore().toString())
          .withTrustStorePassword(config.tls().password());
    }
    cluster = messaging.build();
    cluster.start().get(left(deadline), TimeUnit.NANOSECONDS);

    Serializer protocol = Serializer.using(RaftNamespaces.RAFT_PROTOCOL);
    StateServiceType type = new StateServiceType(new ViewFeed(ViewFeed.to(view), viewThread, this::publish));
    this.protocol = new MemberAdmissionProtocol(GROUP, protocol, cluster.getCommunicationService(),
        timings.election().multipliedBy(3).dividedBy(4), this::joinRefusal);
    server = RaftServer.builder(MemberId.from(config.memberId()))
        .withName(GROUP)
        .withMembershipService(cluster.getMembershipService())
        .withProtocol(this.protocol)
        .withPrimitiveTypes(new DefaultPrimitiveTypeRegistry(List.of(type)))
        .withElectionTimeout(timings.election())
        .withHeartbeatInterval(timings.heartbeat())
        .withSessionTimeout(timings.session())
        .withStorage(RaftStorage.builder()
            .withPrefix(GROUP)
            .withDirectory(config.dataDir().resolve("raft").toFile())
            // Memory-mapped segments: with DISK, the leader's appender reads the log back through a
            // FileChannel syscall per entry, and a follower catching up after an election kept the
            // leader's Raft thread busy for minutes at 10,000 nodes (docs/BENCHMARKS.md).
            .withStorageLevel(StorageLevel.MAPPED)
            .withMaxSegmentSize(config.segmentBytes())
            .withMaxEntrySize(maxEntryBytes())
            .withFlushOnCommit()
            .withNamespace(RaftNamespaces.RAFT_STORAGE)
            .build())
        .build();
    if (!RaftLogIndex.indexEveryEntry(server)) {
      LOG.warn("Raft log of {}: Atomix's internals have moved; its entries stay indexed one in 200,"
          + " and resets to an index read up to 199 entries", config.memberId());
    }
    server.addRoleChangeListener(role -> {
      long term = server.cluster().getTerm();
      boolean leader = role == RaftServer.Role.LEADER;
      roleThread.execute(() -> tellRole(leader, term));
    });
    // A member added to a running group joins it (Atomix adds it as a non-voter, sends it the log,
    // then promotes it); the members of the group as created bootstrap it. A restart goes by the
    // configuration on disk either way (a joined one that was not yet promoted is promoted then).
    CompletableFuture<RaftServer> started = config.join() ? server.join(memberIds) : server.bootstrap(memberIds);
    CompletableFuture.anyOf(started, this.protocol.joinRefused()).get(left(deadline), TimeUnit.NANOSECONDS);
    if (!started.isDone()) {
      throw new IllegalStateException(this.protocol.joinRefused().getNow(""));
    }
    started.get();
    startConfigIndex = RaftInternals.context(server).map(c -> c.getCluster().getConfiguration())
        .map(c -> c.index()).orElse(0L);

    List<MemberId> clientMembers = new ArrayList<>(memberIds);
    if (!clientMembers.contains(MemberId.from(config.memberId()))) {
      clientMembers.add(MemberId.from(config.memberId()));
    }
    client = RaftClient.builder(clientMembers)
        .withClientId(config.memberId())
        .withMemberId(MemberId.from(config.memberId()))
        .withPartitionId(PartitionId.from(GROUP, 1))
        .withProtocol(new LeaderFollowingClientProtocol(GROUP, protocol, cluster.getCommunicationService(),
            this::knownLeader, timings.election().multipliedBy(4), redirectTimer))
        .build();
    client.connect(clientMembers).get(left(deadline), TimeUnit.NANOSECONDS);
    session = client.sessionBuilder(StateServiceType.NAME, type, new ServiceConfig())
        .withReadConsistency(ReadConsistency.LINEARIZABLE)
        .withCommunicationStrategy(CommunicationStrategy.LEADER)
        .withRecoveryStrategy(Recovery.RECOVER)
        .withMinTimeout(timings.session())
        .withMaxTimeout(timings.session())
        .build()
        .connect()
        .get(left(deadline), TimeUnit.NANOSECONDS);
    SessionClient raft = session;
    batcher = new CommandBatcher((op, payload) -> raft.execute(PrimitiveOperation.operation(op, payload)),
        MAX_ENTRIES_IN_FLIGHT, maxEntryBytes() / 2, replyThread);
  }

  private int maxEntryBytes() {
    return Math.min(MAX_ENTRY_BYTES, config.segmentBytes() / 2);
  }

  /** Why a member may not join the Raft group: it was removed and has not joined again with the token. */
  private Optional<String> joinRefusal(MemberId member) {
    ClusterMeta m = meta;
    if (m != null && m.getRemovedMembersList().contains(member.id())) {
      return Optional.of("member " + member.id() + " was " + MemberAdmissionProtocol.REMOVED
          + " (`berth cluster remove`): its data dir no longer makes it a member; start it with --join ANY_MEMBER:GRPC_PORT"
          + " --token T and an empty --data-dir to add it again");
    }
    return Optional.empty();
  }

  /** The leader this member's Raft server follows (or is), null while it knows none. */
  private MemberId knownLeader() {
    RaftServer s = server;
    RaftMember l = s == null ? null : s.cluster().getLeader();
    return l == null ? null : l.memberId();
  }

  private static long left(long deadline) {
    return Math.max(1, deadline - System.nanoTime());
  }

  /** Runs on the view thread only. */
  private void publish(long index) {
    ClusterSnapshot next = view.snapshot();
    meta = view.meta().orElse(null);
    boolean changed = next != current;
    current = next;
    synchronized (appliedMonitor) {
      appliedIndex = Math.max(appliedIndex, index);
      appliedMonitor.notifyAll();
    }
    if (!changed) {
      return;
    }
    for (Consumer<ClusterSnapshot> l : listeners) {
      try {
        l.accept(next);
      } catch (RuntimeException e) {
        LOG.error("state listener failed", e);
      }
    }
  }

  private void tellRole(boolean leader, long term) {
    for (RaftRoleListener l : roleListeners) {
      try {
        if (leader) {
          l.onRaftLeader(term);
        } else {
          l.onRaftFollower();
        }
      } catch (RuntimeException e) {
        LOG.error("Raft role listener failed", e);
      }
    }
  }

  @Override
  public void addRaftRoleListener(RaftRoleListener listener) {
    roleListeners.add(listener);
    // Tell the newcomer the current role, in order with later changes.
    roleThread.execute(() -> {
      if (server.isLeader()) {
        listener.onRaftLeader(server.cluster().getTerm());
      }
    });
  }

  @Override
  public ClusterSnapshot snapshot() {
    return current;
  }

  @Override
  public void addListener(Consumer<ClusterSnapshot> listener) {
    listeners.add(listener);
  }

  @Override
  public ClusterSnapshot awaitVersion(long version, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (appliedMonitor) {
      while (appliedIndex < version) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new StoreUnavailableException(
              "local replica did not reach version " + version + " (at " + appliedIndex + ")", null);
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(appliedMonitor, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new StoreUnavailableException("interrupted", e);
        }
      }
    }
    return current;
  }

  @Override
  public Optional<ClusterMeta> meta() {
    return Optional.ofNullable(meta);
  }

  @Override
  public ClusterMeta initMeta(ClusterMeta candidate) {
    StateResult r = submit(0, List.of(put(StateKeys.META, candidate, 0)));
    if (r.getOutcome() == StateResult.Outcome.APPLIED) {
      awaitVersion(r.getIndex(), ClusterStore.defaultTimeout());
      return candidate;
    }
    awaitVersion(r.getIndex(), ClusterStore.defaultTimeout());
    return meta().orElseThrow(() -> new IllegalStateException("cluster identity present but not in the replica"));
  }

  @Override
  public long putMember(MemberRecord member) {
    return submit(0, List.of(put(StateKeys.member(member.getId()), member, -1))).getIndex();
  }

  @Override
  public long putNode(NodeRecord node) {
    return putNode(node, 0);
  }

  private long putNode(NodeRecord node, long fence) {
    return submit(fence, List.of(put(StateKeys.node(node.getFacts().getName()), node, -1))).getIndex();
  }

  @Override
  public long claimLeadership(String member, long epoch) {
    StateCommand c = StateCommand.newBuilder()
        .setClaim(LeaderClaim.newBuilder().setMember(member).setEpoch(epoch)).build();
    StateResult r = submit(c);
    return r.getOutcome() == StateResult.Outcome.APPLIED ? r.getIndex() : -1;
  }

  @Override
  public boolean removeNode(String name) {
    String k = StateKeys.node(name);
    for (int attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      ClusterSnapshot s = current;
      if (!s.nodes().containsKey(name)) {
        return false;
      }
      StateResult r = submit(0, List.of(delete(k, s.indexOf(k))));
      if (r.getOutcome() == StateResult.Outcome.APPLIED) {
        awaitVersion(r.getIndex(), ClusterStore.defaultTimeout());
        return true;
      }
      awaitVersion(r.getIndex(), ClusterStore.defaultTimeout());
    }
    throw new StoreUnavailableException("node " + name + " kept changing under " + MAX_CAS_ATTEMPTS + " attempts to remove it", null);
  }

  /** Compare-and-set of the cluster identity against the local view, retried like {@link #updateJob}. */
  @Override
  public ClusterMeta updateMeta(UnaryOperator<ClusterMeta> change) {
    for (int attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      ClusterSnapshot s = current;
      ClusterMeta old = meta;
      if (old == null) {
        throw new IllegalStateException("the cluster has no identity yet");
      }
      ClusterMeta next = change.apply(old);
      StateResult r = submit(0, List.of(put(StateKeys.META, next, s.indexOf(StateKeys.META))));
      awaitVersion(r.getIndex(), ClusterStore.defaultTimeout());
      if (r.getOutcome() == StateResult.Outcome.APPLIED) {
        return next;
      }
    }
    throw new StoreUnavailableException("the cluster identity kept changing under " + MAX_CAS_ATTEMPTS + " attempts", null);
  }

  @Override
  public JobWrite updateJob(JobKey key, UnaryOperator<JobState> change) {
    return updateJob(key, change, 0);
  }

  /**
   * Compare-and-set against the local view: the write names the index the view last saw each
   * written key at, so a view that trails costs one conflict (then it catches up and retries),
   * never a lost update. Only what differs is written (see {@link StateChange#between}).
   */
  private JobWrite updateJob(JobKey key, UnaryOperator<JobState> change, long fence) {
    for (int attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      ClusterSnapshot s = current;
      JobState old = s.job(key).orElse(null);
      JobState next = change.apply(old);
      if (next == old) {
        return new JobWrite(old, s.version(), false);
      }
      StateChange c = StateChange.between(key, s.entry(key).orElse(null), next);
      if (c.isEmpty()) {
        return new JobWrite(old, s.version(), false);
      }
      StateResult r = submit(fence, c.toOps(s));
      if (r.getOutcome() == StateResult.Outcome.APPLIED) {
        return new JobWrite(next, r.getIndex(), true);
      }
      awaitVersion(r.getIndex(), ClusterStore.defaultTimeout());
    }
    throw new StoreUnavailableException(
        "job " + key + " kept changing under " + MAX_CAS_ATTEMPTS + " attempts to update it", null);
  }

  @Override
  public long updateJobs(Map<JobKey, UnaryOperator<JobState>> changes) {
    return updateJobs(changes, 0);
  }

  private long updateJobs(Map<JobKey, UnaryOperator<JobState>> changes, long fence) {
    return update(s -> {
      StateChange all = new StateChange();
      for (Map.Entry<JobKey, UnaryOperator<JobState>> e : changes.entrySet()) {
        JobState old = s.job(e.getKey()).orElse(null);
        JobState next = e.getValue().apply(old);
        if (next != old) {
          all.addAll(StateChange.between(e.getKey(), s.entry(e.getKey()).orElse(null), next));
        }
      }
      return all;
    }, fence);
  }

  @Override
  public long update(Function<ClusterSnapshot, StateChange> change) {
    return update(change, 0);
  }

  private long update(Function<ClusterSnapshot, StateChange> change, long fence) {
    for (int attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      ClusterSnapshot s = current;
      StateChange c = change.apply(s);
      if (c.isEmpty()) {
        return -1;
      }
      StateResult r = submit(fence, c.toOps(s));
      if (r.getOutcome() == StateResult.Outcome.APPLIED) {
        return r.getIndex();
      }
      awaitVersion(r.getIndex(), ClusterStore.defaultTimeout());
    }
    throw new StoreUnavailableException(
        "the records of a write kept changing under " + MAX_CAS_ATTEMPTS + " attempts to write them", null);
  }

  /** One command of {@code ops}; a fenced one fails with {@link FencedOutException} once its epoch is over. */
  private StateResult submit(long fence, List<StateOp> ops) {
    StateResult r = submit(StateCommand.newBuilder().setFenceEpoch(fence).addAllOps(ops).build());
    if (r.getOutcome() == StateResult.Outcome.STALE_EPOCH) {
      throw new FencedOutException("leader epoch " + fence + " is over: epoch " + r.getEpoch() + " has been claimed");
    }
    return r;
  }

  private StateResult submit(StateCommand command) {
    try {
      return batcher.submit(command).get(ClusterStore.defaultTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreUnavailableException("interrupted while writing the replicated state", e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new StoreUnavailableException("replicated state unavailable: " + e.getCause(), e.getCause());
    } catch (Exception e) {
      throw new StoreUnavailableException("replicated state unavailable: " + e, e);
    }
  }

  /** A put; {@code expectedIndex} >= 0 makes it a compare-and-set on the key's last write. */
  private static StateOp put(String key, MessageLite value, long expectedIndex) {
    StateOp.Builder b = StateOp.newBuilder().setKey(key).setValue(value.toByteString());
    if (expectedIndex >= 0) {
      b.setCheck(true).setExpectedIndex(expectedIndex);
    }
    return b.build();
  }

  private static StateOp delete(String key, long expectedIndex) {
    return StateOp.newBuilder().setKey(key).setDelete(true).setCheck(true).setExpectedIndex(expectedIndex).build();
  }

  @Override
  public ClusterStore fencedAt(long epoch) {
    if (epoch <= 0) {
      throw new IllegalArgumentException("a leader epoch is positive, not " + epoch);
    }
    return new Fenced(epoch);
  }

  /** Reads as the store; writes stamped with a leader epoch. */
  private final class Fenced implements ClusterStore {
    private final long epoch;

    Fenced(long epoch) {
      this.epoch = epoch;
    }

    @Override
    public JobWrite updateJob(JobKey key, UnaryOperator<JobState> change) {
      return RaftClusterStore.this.updateJob(key, change, epoch);
    }

    @Override
    public long updateJobs(Map<JobKey, UnaryOperator<JobState>> changes) {
      return RaftClusterStore.this.updateJobs(changes, epoch);
    }

    @Override
    public long update(Function<ClusterSnapshot, StateChange> change) {
      return RaftClusterStore.this.update(change, epoch);
    }

    @Override
    public long putNode(NodeRecord node) {
      return RaftClusterStore.this.putNode(node, epoch);
    }

    @Override
    public long putMember(MemberRecord member) {
      return RaftClusterStore.this.submit(epoch, List.of(put(StateKeys.member(member.getId()), member, -1))).getIndex();
    }

    @Override
    public ClusterMeta initMeta(ClusterMeta candidate) {
      throw new UnsupportedOperationException("the cluster identity is not a leader-only write");
    }

    @Override
    public ClusterMeta updateMeta(UnaryOperator<ClusterMeta> change) {
      throw new UnsupportedOperationException("the cluster identity is not a leader-only write");
    }

    @Override
    public boolean removeNode(String name) {
      throw new UnsupportedOperationException("removing a node is an operator's write, not a leader loop's");
    }

    @Override
    public long claimLeadership(String member, long claimEpoch) {
      return RaftClusterStore.this.claimLeadership(member, claimEpoch);
    }

    @Override
    public ClusterStore fencedAt(long other) {
      return RaftClusterStore.this.fencedAt(other);
    }

    @Override
    public ClusterSnapshot snapshot() {
      return current;
    }

    @Override
    public void addListener(Consumer<ClusterSnapshot> listener) {
      RaftClusterStore.this.addListener(listener);
    }

    @Override
    public ClusterSnapshot awaitVersion(long version, Duration timeout) {
      return RaftClusterStore.this.awaitVersion(version, timeout);
    }

    @Override
    public Optional<ClusterMeta> meta() {
      return RaftClusterStore.this.meta();
    }

    @Override
    public void addRaftRoleListener(RaftRoleListener listener) {
      RaftClusterStore.this.addRaftRoleListener(listener);
    }

    @Override
    public MembershipView membership() {
      return RaftClusterStore.this.membership();
    }

    @Override
    public void removeFromRaft(String memberId, Duration timeout) {
      throw new UnsupportedOperationException("removing a coordinator is an operator's change, not a leader loop's");
    }

    @Override
    public boolean deleteMember(String memberId) {
      throw new UnsupportedOperationException("removing a coordinator is an operator's change, not a leader loop's");
    }

    @Override
    public boolean removedSinceStart(String memberId) {
      return RaftClusterStore.this.removedSinceStart(memberId);
    }

    @Override
    public void close() {
      // a view: the store is closed by its owner
    }
  }

  @Override
  public MembershipView membership() {
    RaftMember leader = server.cluster().getLeader();
    List<String> ids = new ArrayList<>();
    Set<String> joining = new LinkedHashSet<>();
    Map<String, String> addresses = new LinkedHashMap<>();
    for (RaftMember m : configured()) {
      String id = m.memberId().id();
      ids.add(id);
      if (m.getType() != RaftMember.Type.ACTIVE) {
        joining.add(id);
      }
      addresses.put(id, raftAddress(m.memberId()));
    }
    java.util.Collections.sort(ids);
    long commit = RaftInternals.commitIndex(server);
    long raftApplied = RaftInternals.lastApplied(server);
    boolean stalled = commit >= 0 && raftApplied >= 0 && applyProgress.stalled(commit, raftApplied, System.nanoTime());
    return new MembershipView(config.memberId(), List.copyOf(ids), leader == null ? "" : leader.memberId().id(),
        server.cluster().getTerm(), commit, appliedIndex, addresses, joining, raftApplied, stalled);
  }

  /** The members of the Raft configuration this server knows (INACTIVE ones are out of it). */
  private List<RaftMember> configured() {
    List<RaftMember> out = new ArrayList<>();
    for (RaftMember m : server.cluster().getMembers()) {
      if (m.getType() != RaftMember.Type.INACTIVE) {
        out.add(m);
      }
    }
    return out;
  }

  /** A member's Raft address: from the messaging layer, else from the config, else from its member record. */
  private String raftAddress(MemberId id) {
    io.atomix.cluster.Member known = cluster.getMembershipService().getMember(id);
    if (known != null) {
      return known.address().host() + ":" + known.address().port();
    }
    for (String m : config.members()) {
      if (m.startsWith(id.id() + "@")) {
        return m.substring(m.indexOf('@') + 1);
      }
    }
    MemberRecord rec = current.members().get(id.id());
    return rec == null ? "" : rec.getRaftAddress();
  }

  /**
   * Hands the Raft server a request to take {@code memberId} out of the configuration, as Atomix's
   * own {@code leave()} does for the local member: a follower forwards it to the leader, which
   * commits a configuration without it (with the new configuration's quorum). Retried while there
   * is no leader or another change is under way.
   */
  @Override
  public void removeFromRaft(String memberId, Duration timeout) {
    List<RaftMember> members = configured();
    if (members.stream().noneMatch(m -> m.memberId().id().equals(memberId))) {
      return;
    }
    if (members.stream().filter(m -> m.getType() == RaftMember.Type.ACTIVE).count() <= 1
        && members.stream().anyMatch(m -> m.memberId().id().equals(memberId) && m.getType() == RaftMember.Type.ACTIVE)) {
      throw new IllegalArgumentException("member " + memberId + " is the cluster's last voting member: removing it "
          + "would leave no Raft group");
    }
    RaftContext context = RaftInternals.context(server).orElseThrow(() -> new StoreUnavailableException(
        "this Atomix build hides the Raft context: cannot change the configuration", null));
    LeaveRequest request = LeaveRequest.builder()
        .withMember(new DefaultRaftMember(MemberId.from(memberId), RaftMember.Type.ACTIVE, Instant.now()))
        .build();
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "no answer";
    while (System.nanoTime() < deadline) {
      CompletableFuture<LeaveResponse> answer = new CompletableFuture<>();
      context.getThreadContext().execute(() -> context.getRaftRole().onLeave(request).whenComplete((r, e) -> {
        if (e != null) {
          answer.completeExceptionally(e);
        } else {
          answer.complete(r);
        }
      }));
      try {
        LeaveResponse r = answer.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (r.status() == RaftResponse.Status.OK) {
          awaitLeft(memberId, deadline);
          return;
        }
        RaftError error = r.error();
        last = error == null ? "the leader was busy (electing or another configuration change)" : error.toString();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new StoreUnavailableException("interrupted while removing " + memberId, e);
      } catch (Exception e) {
        last = e.toString();
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new StoreUnavailableException("interrupted while removing " + memberId, e);
      }
    }
    throw new StoreUnavailableException("the Raft group did not commit the removal of " + memberId + " within "
        + timeout.toSeconds() + " s (" + last + "): is a majority of the members up?", null);
  }

  /** Until this member's own configuration no longer lists the member (a follower learns it from the leader). */
  private void awaitLeft(String memberId, long deadline) throws InterruptedException {
    if (memberId.equals(config.memberId())) {
      return; // the leader sends a removed member nothing more: its own view never changes
    }
    while (configured().stream().anyMatch(m -> m.memberId().id().equals(memberId)) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
  }

  @Override
  public boolean removedSinceStart(String memberId) {
    ClusterMeta m = meta;
    return m != null && m.getRemovedMembersList().contains(memberId)
        && current.indexOf(StateKeys.META) > startConfigIndex;
  }

  @Override
  public boolean deleteMember(String memberId) {
    String k = StateKeys.member(memberId);
    for (int attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      ClusterSnapshot s = current;
      if (!s.members().containsKey(memberId)) {
        return false;
      }
      StateResult r = submit(0, List.of(delete(k, s.indexOf(k))));
      awaitVersion(r.getIndex(), ClusterStore.defaultTimeout());
      if (r.getOutcome() == StateResult.Outcome.APPLIED) {
        return true;
      }
    }
    throw new StoreUnavailableException("member record " + memberId + " kept changing under " + MAX_CAS_ATTEMPTS
        + " attempts to delete it", null);
  }

  /** Takes a snapshot of the state machine and compacts the log now (Raft also does so on its own). */
  void compact() {
    try {
      server.compact().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new StoreUnavailableException("log compaction failed: " + e, e);
    }
  }

  /** This member's Raft commit index (-1 when unknown), for tests of the log. */
  long raftCommitIndex() {
    return RaftInternals.commitIndex(server);
  }

  /** The Raft log index whose position the log keeps at or before {@code raftIndex}, for tests of the log. */
  Optional<Long> logPositionKeptAtOrBefore(long raftIndex) {
    return RaftLogIndex.indexedAtOrBefore(server, raftIndex);
  }

  @Override
  public void close() {
    stop("session", session == null ? null : () -> session.close().get(5, TimeUnit.SECONDS));
    stop("client", client == null ? null : () -> client.close().get(5, TimeUnit.SECONDS));
    stop("server", server == null ? null : () -> server.shutdown().get(10, TimeUnit.SECONDS));
    stop("messaging", cluster == null ? null : () -> cluster.stop().get(10, TimeUnit.SECONDS));
    viewThread.shutdownNow();
    replyThread.shutdownNow();
    roleThread.shutdownNow();
    redirectTimer.shutdownNow();
  }

  private interface Step {
    void run() throws Exception;
  }

  private void stop(String what, Step step) {
    if (step == null) {
      return;
    }
    try {
      step.run();
    } catch (Exception e) {
      LOG.warn("Raft {} of {} did not stop cleanly: {}", what, config.memberId(), e.toString());
    }
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }
}
