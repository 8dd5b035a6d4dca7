package io.berth.coordinator.zone;

import com.google.common.net.InetAddresses;
import io.berth.coordinator.state.ClusterSnapshot;
import io.berth.coordinator.state.JobKey;
import io.berth.dns.ZonePart;
import io.berth.dns.ZoneSnapshot;
import io.berth.dns.ZoneView;
import io.berth.proto.DesiredState;
import io.berth.proto.GroupSpec;
import io.berth.proto.JobState;
import io.berth.proto.NodeRecord;
import io.berth.proto.NodeStatus;
import io.berth.proto.TaskHealth;
import io.berth.proto.TaskRecord;
import io.berth.proto.TaskState;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Name;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.TextParseException;

/**
 * Adapts the cluster state to the DNS server's {@link ZoneView}: every state change rebuilds the
 * zone once, so the query path only looks answers up. Each job's names are a {@link ZonePart} kept
 * from one rebuild to the next while the job and the nodes' addresses stay as they were, so a
 * rebuild renders the jobs that changed, not every task of the cluster. Tasks resolve to their
 * node's routable address (host networking, and bridge tasks through published ports). A task
 * whose health check fails is left out of its group's A and SRV answers until it passes again.
 */
public final class ClusterZone implements ZoneView, Consumer<ClusterSnapshot> {

  /** A coordinator the zone names as a nameserver. */
  public record Nameserver(String id, InetAddress address) {}

  /**
   * Times the last rebuild's time the rebuild thread rests (see accept): at most 1/10 of a core.
   * It was 5 (a sixth of a core) until a job's task names were kept in blocks, which made a
   * rebuild while a job is placed 0.44-0.59x as long (ZoneBuildBench, 1,000 reports in a row, two
   * runs); a name is late by at most about rest + rebuild, 10 x 0.59 = 5.9 of the earlier
   * rebuilds' time against 6 before, so names come no later than before, for 0.6x the CPU.
   */
  private static final int REST_PER_BUILD = 9;

  private final TaskNames names;
  private final Name origin;
  private final List<Nameserver> nameservers;
  private final long defaultTtl;
  private volatile ZoneSnapshot current;
  private final java.util.concurrent.atomic.AtomicReference<ClusterSnapshot> pending =
      new java.util.concurrent.atomic.AtomicReference<>();
  private java.util.concurrent.ScheduledExecutorService rebuilder;
  private long coalesceMs;
  private volatile long lastBuildMs; // how long the last rebuild took: the next rests 5x that
  // What the current zone was built from and of: the state, the nodes' addresses, each job's part.
  private ClusterSnapshot.Marks builtFrom; // marks, not the snapshot: it would keep every record of its time
  private List<String> builtNameservers = List.of();
  private Map<String, InetAddress> builtAddresses = Map.of();
  private Map<JobKey, JobNames> parts = Map.of();

  /** How many tasks of a group, by index, are rendered together and kept together (see {@link JobNames}). */
  static final int TASKS_PER_BLOCK = 1024;

  /**
   * One job's names as parts: its groups' and services' names (rendered whenever the job
   * changes: a group's answer holds every node of its tasks), then its tasks' own names in blocks
   * of {@link #TASKS_PER_BLOCK} by index, each kept while its task records stay the very same
   * objects. While a job's 100,000 tasks are placed and reported running, a rebuild renders the
   * blocks that changed, not every task's name.
   */
  private record JobNames(ZonePart groups, Map<Block, RenderedBlock> blocks) {
    void addTo(ZoneSnapshot.Builder b) {
      b.part(groups); // first: its group names win over the blocks' (their apexes)
      for (RenderedBlock r : blocks.values()) {
        if (r.part().size() > 0) {
          b.part(r.part());
        }
      }
    }
  }

  private record Block(String group, int number) {}

  /** A block's part and the task records it was rendered from, in task id order. */
  private record RenderedBlock(List<TaskRecord> from, ZonePart part) {}

  public ClusterZone(TaskNames names, List<Nameserver> nameservers, long defaultTtl) {
    this.names = names;
    this.origin = name(names.zone());
    this.nameservers = List.copyOf(nameservers);
    this.defaultTtl = defaultTtl;
    this.current = build(ClusterSnapshot.EMPTY);
    this.builtFrom = null; // the first state given is built whatever it holds: its version is the serial
  }

  @Override
  public ZoneSnapshot current() {
    return current;
  }

  /**
   * Rebuilds at most once per {@code window} (or 9x the last rebuild's time, when longer) on a
   * thread of its own, from the newest state: a
   * burst of state changes (thousands of task reports) costs one rebuild, not one each.
   */
  public ClusterZone coalescing(java.time.Duration window) {
    this.coalesceMs = window.toMillis();
    this.rebuilder = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "berth-zone-rebuild");
      t.setDaemon(true);
      return t;
    });
    return this;
  }

  @Override
  public void accept(ClusterSnapshot snapshot) {
    if (rebuilder == null) {
      rebuildIfChanged(snapshot);
      return;
    }
    if (pending.getAndSet(snapshot) == null) {
      // A rebuild reads every task of the jobs that changed (~0.2 s of CPU for 10,000) and files
      // every name: waiting 9x the last one's time keeps the rebuilds under a tenth of a core
      // while reports stream in (ZoneBuildBench: 1 s for one job of ten changed at 700,000 tasks,
      // a name 6 s late at most; every job rendered took 2.5 s, with 3x 10 s late).
      rebuilder.schedule(() -> {
        ClusterSnapshot newest = pending.getAndSet(null);
        if (newest != null) {
          long t0 = System.nanoTime();
          if (rebuildIfChanged(newest)) {
            lastBuildMs = (System.nanoTime() - t0) / 1_000_000;
          }
        }
      }, Math.max(coalesceMs, REST_PER_BUILD * lastBuildMs), java.util.concurrent.TimeUnit.MILLISECONDS);
    }
  }

  /**
   * Rebuilds unless the zone's inputs are those it was built from: the coordinators rewrite their
   * member records every second, and while nodes and jobs stay as they were (a steady cluster, or
   * agents reconnecting) a rebuild, which reads every task, would make the same zone again.
   */
  private synchronized boolean rebuildIfChanged(ClusterSnapshot s) {
    if (s.sameNodesAndJobs(builtFrom) && nameserversOf(s).equals(builtNameservers)) {
      return false;
    }
    current = build(s);
    return true;
  }

  /** What of the member records the zone shows: each coordinator's name and DNS address. */
  private static List<String> nameserversOf(ClusterSnapshot s) {
    List<String> out = new java.util.ArrayList<>(s.members().size());
    for (io.berth.proto.MemberRecord m : s.members().values()) {
      out.add(m.getId() + "=" + m.getDnsAddress());
    }
    return out;
  }

  synchronized ZoneSnapshot build(ClusterSnapshot s) {
    ZoneSnapshot.Builder b = ZoneSnapshot.builder(origin, s.version()).defaultTtl(defaultTtl).negativeTtl(defaultTtl);
    if (s.members().isEmpty()) {
      for (Nameserver ns : nameservers) {
        b.nameserver(name(ns.id() + ".ns." + names.zone()), ns.address());
      }
    }
    for (io.berth.proto.MemberRecord m : s.members().values()) {
      InetAddress addr = parse(m.getDnsAddress());
      if (addr != null) {
        b.nameserver(name(m.getId() + ".ns." + names.zone()), addr);
      }
    }
    Map<String, InetAddress> nodeAddresses = new HashMap<>(); // parsed once, not once per task
    for (NodeRecord n : s.nodes().values()) {
      InetAddress addr = parse(n.getFacts().getAddress());
      if (addr == null) {
        continue;
      }
      nodeAddresses.put(n.getFacts().getName(), addr);
      if (n.getStatus() != NodeStatus.NODE_DOWN) {
        Name nodeName = name(names.node(n.getFacts().getName()));
        b.address(nodeName, addr);
        // Reverse agrees with forward: the address's PTR names the node, which resolves back to it.
        b.reverse(addr, nodeName);
      }
    }
    boolean sameAddresses = nodeAddresses.equals(builtAddresses);
    Map<JobKey, JobNames> built = new HashMap<>();
    for (Map.Entry<JobKey, JobState> job : s.jobHeaders().entrySet()) {
      JobNames was = sameAddresses ? parts.get(job.getKey()) : null; // a node's new address: render all
      JobNames now = was != null && s.sameJob(job.getKey(), builtFrom)
          ? was
          : jobNames(job.getKey(), job.getValue(), s, nodeAddresses, was);
      built.put(job.getKey(), now);
      now.addTo(b);
    }
    parts = built;
    builtFrom = s.marks();
    builtNameservers = nameserversOf(s);
    builtAddresses = nodeAddresses;
    return b.build();
  }

  /** The parts the current zone holds for this job's names, groups first (for tests: kept or rendered again). */
  synchronized List<ZonePart> partsOf(JobKey job) {
    JobNames n = parts.get(job);
    if (n == null) {
      return List.of();
    }
    List<ZonePart> out = new ArrayList<>();
    out.add(n.groups());
    n.blocks().values().forEach(r -> out.add(r.part()));
    return out;
  }

  /**
   * One job's names: its groups' and services' part, and its tasks' blocks, each block taken from
   * {@code was} when its task records are the very ones it was rendered from.
   */
  private JobNames jobNames(JobKey key, JobState js, ClusterSnapshot s, Map<String, InetAddress> nodeAddresses,
      JobNames was) {
    Map<String, GroupWalk> walks = new LinkedHashMap<>();
    Map<String, Name> serviceNames = new HashMap<>(); // group and port label -> SRV owner
    ZonePart.Builder groups = ZonePart.builder(name(names.job(key.namespace(), key.name())));
    GroupWalk walk = null;
    for (TaskRecord t : s.tasksOf(key)) {
      if (walk == null || t.getGroup() != walk.group) { // the replica shares each group's name string
        walk = walks.computeIfAbsent(t.getGroup(),
            g -> new GroupWalk(g, name(names.group(key.namespace(), key.name(), g)), ttlOf(js, g)));
      }
      walk.add(t);
      if (t.getPortsCount() == 0 || !walk.answers(t)) {
        continue;
      }
      InetAddress addr = nodeAddresses.get(t.getNode());
      if (addr == null) {
        continue;
      }
      Name taskName = child(Integer.toString(t.getIndex()), walk.name);
      for (Map.Entry<String, Integer> port : t.getPortsMap().entrySet()) {
        Name service = serviceNames.computeIfAbsent(t.getGroup() + "\0" + port.getKey(),
            k -> name(names.service(key.namespace(), key.name(), t.getGroup(), port.getKey())));
        groups.record(new SRVRecord(service, DClass.IN, walk.ttl, 0, 0, port.getValue(), taskName));
        groups.glue(taskName, addr, walk.ttl); // the target's own name is in its block's part
      }
    }
    Map<Block, RenderedBlock> blocks = new LinkedHashMap<>();
    for (GroupWalk g : walks.values()) {
      // A group's A answer holds each node's address once: its tasks share nodes (100,000 tasks
      // on 10,000 nodes). First seen first, as the builder would keep them.
      Set<InetAddress> addresses = new HashSet<>();
      for (String node : g.answeringNodes) {
        InetAddress addr = nodeAddresses.get(node);
        if (addr != null && addresses.add(addr)) {
          groups.address(g.name, addr, g.ttl);
        }
      }
      for (int n = 0; n < g.blocks.size(); n++) {
        List<TaskRecord> tasks = g.blocks.get(n);
        if (tasks == null) {
          continue;
        }
        Block block = new Block(g.group, n);
        RenderedBlock had = was == null ? null : was.blocks().get(block);
        blocks.put(block, had != null && sameObjects(had.from(), tasks)
            ? had
            : new RenderedBlock(tasks, blockPart(g.name, g.ttl, tasks, nodeAddresses)));
      }
    }
    return new JobNames(groups.build(), blocks);
  }

  /** One group's tasks as a rebuild walks a job: by block, and the nodes its group name answers with. */
  private static final class GroupWalk {
    final String group;
    final Name name; // the group's DNS name, parsed once
    final long ttl; // its tasks' and its own, from the group's spec
    final List<List<TaskRecord>> blocks = new ArrayList<>(); // by block number; null where none
    final Set<String> answeringNodes = new LinkedHashSet<>(); // of its running, healthy tasks, first seen first

    GroupWalk(String group, Name name, long ttl) {
      this.group = group;
      this.name = name;
      this.ttl = ttl;
    }

    void add(TaskRecord t) {
      int n = t.getIndex() / TASKS_PER_BLOCK;
      while (blocks.size() <= n) {
        blocks.add(null);
      }
      List<TaskRecord> block = blocks.get(n);
      if (block == null) {
        block = new ArrayList<>();
        blocks.set(n, block);
      }
      block.add(t);
      if (answers(t)) {
        answeringNodes.add(t.getNode());
      }
    }

    /** Whether the task is in its group's answers: running, and not failing its health check (no new traffic). */
    boolean answers(TaskRecord t) {
      return running(t) && t.getHealth() != TaskHealth.HEALTH_UNHEALTHY;
    }
  }

  /** The names of a block's running tasks, below their group's name (a failing replica keeps its own). */
  private static ZonePart blockPart(Name groupName, long ttl, List<TaskRecord> tasks,
      Map<String, InetAddress> nodeAddresses) {
    ZonePart.Builder b = ZonePart.builder(groupName);
    for (TaskRecord t : tasks) {
      InetAddress addr = running(t) ? nodeAddresses.get(t.getNode()) : null;
      if (addr != null) {
        b.address(child(Integer.toString(t.getIndex()), groupName), addr, ttl);
      }
    }
    return b.build();
  }

  private static boolean running(TaskRecord t) {
    return t.getDesired() == DesiredState.DESIRED_RUN && t.getState() == TaskState.TASK_RUNNING;
  }

  private long ttlOf(JobState js, String group) {
    GroupSpec g = group(js, group);
    return g != null && g.getDnsTtlSeconds() > 0 ? g.getDnsTtlSeconds() : defaultTtl;
  }

  /** The same records, by identity: a record the state did not rewrite is the very same object. */
  private static boolean sameObjects(List<TaskRecord> a, List<TaskRecord> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      if (a.get(i) != b.get(i)) {
        return false;
      }
    }
    return true;
  }

  private static GroupSpec group(JobState js, String name) {
    for (GroupSpec g : js.getJob().getSpec().getGroupsList()) {
      if (g.getName().equals(name)) {
        return g;
      }
    }
    return null;
  }

  private static InetAddress parse(String address) {
    return InetAddresses.isInetAddress(address) ? InetAddresses.forString(address) : null;
  }

  /** {@code label.parent}: the parent's labels are not parsed again. */
  private static Name child(String label, Name parent) {
    try {
      return new Name(label, parent);
    } catch (TextParseException e) {
      throw new IllegalArgumentException("not a DNS label: " + label, e);
    }
  }

  private static Name name(String absolute) {
    try {
      return Name.fromString(absolute);
    } catch (TextParseException e) {
      throw new IllegalArgumentException("not a DNS name: " + absolute, e);
    }
  }
}
