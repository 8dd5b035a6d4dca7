package io.berth.coordinator.state;

import com.google.protobuf.InvalidProtocolBufferException;
import io.atomix.cluster.Node;
import io.atomix.cluster.discovery.BootstrapDiscoveryProvider;
import io.atomix.core.Atomix;
import io.atomix.core.map.AtomicMap;
import io.atomix.core.map.AtomicMapEvent;
import io.atomix.primitive.partition.PartitionGroup;
import io.atomix.protocols.raft.MultiRaftProtocol;
import io.atomix.protocols.raft.ReadConsistency;
import io.atomix.protocols.raft.partition.RaftPartition;
import io.atomix.protocols.raft.partition.RaftPartitionGroup;
import io.atomix.storage.StorageLevel;
import io.atomix.utils.net.Address;
import io.atomix.utils.serializer.Namespaces;
import io.atomix.utils.serializer.Serializer;
import io.atomix.utils.time.Versioned;
import io.berth.proto.ClusterMeta;
import io.berth.proto.JobState;
import io.berth.proto.LeaderLease;
import io.berth.proto.MemberRecord;
import io.berth.proto.NodeRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ClusterStore} on Atomix Raft: one replicated map of protobuf bytes, watched so that
 * this member keeps a local {@link ReplicaView}. The only class that touches Atomix types.
 */
public final class AtomixClusterStore implements ClusterStore {
  private static final Logger LOG = LoggerFactory.getLogger(AtomixClusterStore.class);
  private static final String GROUP = "raft";
  private static final int MAX_CAS_ATTEMPTS = 64;
  private static final int MAX_ENTRY_BYTES = 16 * 1024 * 1024;
  private static final long SEGMENT_BYTES = 64L * 1024 * 1024;

  private final Atomix atomix;
  private final AtomicMap<String, byte[]> map;
  private final String self;
  private final List<String> memberIds;
  private final ReplicaView view = new ReplicaView();
  private final ExecutorService viewThread =
      Executors.newSingleThreadExecutor(r -> new Thread(r, "berth-replica-view"));
  private final List<Consumer<ClusterSnapshot>> listeners = new CopyOnWriteArrayList<>();
  private final Object versionMonitor = new Object();
  private volatile ClusterSnapshot current = ClusterSnapshot.EMPTY;
  private volatile ClusterMeta meta;

  private AtomixClusterStore(Atomix atomix, AtomicMap<String, byte[]> map, String self, List<String> memberIds) {
    this.atomix = atomix;
    this.map = map;
    this.self = self;
    this.memberIds = memberIds;
  }

  /** Starts (or restarts, from the data dir) this member and waits until the state is readable. */
  public static AtomixClusterStore start(StoreConfig config, Duration startTimeout) {
    List<Node> nodes = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    for (String m : config.members()) {
      int at = m.indexOf('@');
      String id = m.substring(0, at);
      ids.add(id);
      nodes.add(Node.builder().withId(id).withAddress(Address.from(m.substring(at + 1))).build());
    }
    Atomix atomix =
        Atomix.builder()
            .withClusterId("berth")
            .withMemberId(config.memberId())
            .withAddress(config.host(), config.port())
            .withMessagingInterface(config.host())
            .withMembershipProvider(BootstrapDiscoveryProvider.builder().withNodes(nodes).build())
            .withManagementGroup(
                RaftPartitionGroup.builder("system")
                    .withMembers(ids)
                    .withNumPartitions(1)
                    .withStorageLevel(StorageLevel.DISK)
                    .withFlushOnCommit()
                    .withDataDirectory(config.dataDir().resolve("system").toFile())
                    .build())
            .withPartitionGroups(
                RaftPartitionGroup.builder(GROUP)
                    .withMembers(ids)
                    .withNumPartitions(1)
                    .withPartitionSize(ids.size())
                    // A job and all its tasks are one value: room for jobs of tens of thousands of tasks.
                    .withMaxEntrySize(MAX_ENTRY_BYTES)
                    .withSegmentSize(SEGMENT_BYTES)
                    .withStorageLevel(StorageLevel.DISK)
                    .withFlushOnCommit()
                    .withDataDirectory(config.dataDir().resolve(GROUP).toFile())
                    .build())
            .withShutdownHook(false)
            .build();
    try {
      atomix.start().get(startTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      try {
        atomix.stop().get(30, TimeUnit.SECONDS); // release its ports before anyone starts again
      } catch (Exception stopFailure) {
        LOG.warn("the Raft member that did not start did not stop cleanly either: {}", stopFailure.toString());
      }
      throw new StoreUnavailableException(
          "the Raft member " + config.memberId() + " did not start within " + startTimeout + ": " + e, e);
    }
    AtomicMap<String, byte[]> map =
        atomix.<String, byte[]>atomicMapBuilder("berth-state")
            .withProtocol(
                MultiRaftProtocol.builder(GROUP)
                    .withReadConsistency(ReadConsistency.LINEARIZABLE)
                    .build())
            .withSerializer(Serializer.using(Namespaces.BASIC))
            .build();
    AtomixClusterStore store = new AtomixClusterStore(atomix, map, config.memberId(), List.copyOf(ids));
    store.loadAndWatch();
    return store;
  }

  private void loadAndWatch() {
    // Watch first, then read: an event racing the read is ordered by per-key versions.
    map.addListener(this::onEvent, viewThread);
    List<Map.Entry<String, Versioned<byte[]>>> entries = new ArrayList<>(map.entrySet());
    runOnViewThread(
        () -> {
          for (Map.Entry<String, Versioned<byte[]>> e : entries) {
            view.apply(e.getKey(), e.getValue().value(), e.getValue().version());
          }
          publish();
        });
  }

  private void onEvent(AtomicMapEvent<String, byte[]> event) {
    Versioned<byte[]> nv = event.newValue();
    if (nv == null) {
      view.apply(event.key(), null, current.version() + 1);
    } else {
      view.apply(event.key(), nv.value(), nv.version());
    }
    publish();
  }

  /** Runs on the view thread only. */
  private void publish() {
    ClusterSnapshot next = view.snapshot();
    meta = view.meta().orElse(null);
    if (next == current) {
      return;
    }
    synchronized (versionMonitor) {
      current = next;
      versionMonitor.notifyAll();
    }
    for (Consumer<ClusterSnapshot> l : listeners) {
      try {
        l.accept(next);
      } catch (RuntimeException e) {
        LOG.error("state listener failed", e);
      }
    }
  }

  private void runOnViewThread(Runnable r) {
    try {
      viewThread.submit(r).get();
    } catch (Exception e) {
      throw new IllegalStateException("replica view update failed", e);
    }
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
    synchronized (versionMonitor) {
      while (current.version() < version) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new StoreUnavailableException(
              "local replica did not reach version " + version + " (at " + current.version() + ")", null);
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(versionMonitor, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new StoreUnavailableException("interrupted", e);
        }
      }
      return current;
    }
  }

  @Override
  public Optional<ClusterMeta> meta() {
    if (meta == null) {
      Versioned<byte[]> v = call(() -> map.get(StateKeys.META));
      if (v != null) {
        meta = parseMeta(v.value());
      }
    }
    return Optional.ofNullable(meta);
  }

  @Override
  public ClusterMeta initMeta(ClusterMeta candidate) {
    Versioned<byte[]> prior = call(() -> map.putIfAbsent(StateKeys.META, candidate.toByteArray()));
    ClusterMeta stored = prior == null ? candidate : parseMeta(prior.value());
    meta = stored;
    return stored;
  }

  @Override
  public long putNode(NodeRecord node) {
    Versioned<byte[]> v = call(() -> map.putAndGet(StateKeys.node(node.getFacts().getName()), node.toByteArray()));
    return v.version();
  }

  @Override
  public boolean removeNode(String name) {
    return call(() -> map.remove(StateKeys.node(name))) != null;
  }

  @Override
  public ClusterMeta updateMeta(UnaryOperator<ClusterMeta> change) {
    for (int attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      Versioned<byte[]> cur = call(() -> map.get(StateKeys.META));
      if (cur == null) {
        throw new IllegalStateException("the cluster has no identity yet");
      }
      ClusterMeta next = change.apply(parseMeta(cur.value()));
      if (call(() -> map.replace(StateKeys.META, cur.version(), next.toByteArray()))) {
        meta = next;
        return next;
      }
    }
    throw new StoreUnavailableException("the cluster identity kept changing under " + MAX_CAS_ATTEMPTS + " attempts", null);
  }

  @Override
  public long putMember(MemberRecord member) {
    return call(() -> map.putAndGet(StateKeys.member(member.getId()), member.toByteArray())).version();
  }

  @Override
  public boolean compareAndSetLease(LeaderLease expected, LeaderLease next) {
    Versioned<byte[]> cur = call(() -> map.get(StateKeys.LEASE));
    if (expected == null) {
      return cur == null && call(() -> map.putIfAbsent(StateKeys.LEASE, next.toByteArray())) == null;
    }
    if (cur == null || !java.util.Arrays.equals(cur.value(), expected.toByteArray())) {
      return false;
    }
    return call(() -> map.replace(StateKeys.LEASE, cur.version(), next.toByteArray()));
  }

  @Override
  public JobWrite updateJob(JobKey key, UnaryOperator<JobState> change) {
    String k = StateKeys.job(key);
    for (int attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      Versioned<byte[]> cur = call(() -> map.get(k));
      JobState old = cur == null ? null : parseJob(cur.value());
      JobState next = change.apply(old);
      if (next == old) {
        return new JobWrite(old, cur == null ? 0 : cur.version(), false);
      }
      boolean ok;
      if (next == null) {
        ok = call(() -> map.remove(k, cur.version()));
      } else if (cur == null) {
        ok = call(() -> map.putIfAbsent(k, next.toByteArray())) == null;
      } else {
        ok = call(() -> map.replace(k, cur.version(), next.toByteArray()));
      }
      if (ok) {
        Versioned<byte[]> written = call(() -> map.get(k));
        return new JobWrite(next, written == null ? current.version() : written.version(), true);
      }
    }
    throw new StoreUnavailableException(
        "job " + key + " kept changing under " + MAX_CAS_ATTEMPTS + " attempts to update it", null);
  }

  @Override
  public MembershipView membership() {
    PartitionGroup group = atomix.getPartitionService().getPartitionGroup(GROUP);
    String leader = "";
    long term = 0;
    if (group != null && !group.getPartitions().isEmpty()) {
      RaftPartition p = (RaftPartition) group.getPartitions().iterator().next();
      leader = p.primary() == null ? "" : p.primary().id();
      term = p.term();
    }
    return new MembershipView(self, memberIds, leader, term);
  }

  @Override
  public void close() {
    try {
      atomix.stop().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warn("Raft member did not stop cleanly: {}", e.toString());
    }
    viewThread.shutdownNow();
  }

  private static <T> T call(java.util.function.Supplier<T> op) {
    try {
      return op.get();
    } catch (RuntimeException e) {
      throw new StoreUnavailableException("replicated state unavailable: " + e, e);
    }
  }

  private static JobState parseJob(byte[] b) {
    try {
      return JobState.parseFrom(b);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("corrupt job record", e);
    }
  }

  private static ClusterMeta parseMeta(byte[] b) {
    try {
      return ClusterMeta.parseFrom(b);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("corrupt cluster meta record", e);
    }
  }
}
