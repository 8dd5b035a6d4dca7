package io.berth.coordinator.state;

import io.berth.proto.DesiredState;
import io.berth.proto.JobState;
import io.berth.proto.LeaderClaim;
import io.berth.proto.MemberRecord;
import io.berth.proto.NodeRecord;
import io.berth.proto.TaskRecord;
import java.lang.ref.WeakReference;
import java.util.AbstractCollection;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import org.pcollections.PMap;
import org.pcollections.PSortedMap;
import org.pcollections.TreePMap;

/**
 * An immutable view of the replicated state at one version: what the scheduler plans against,
 * what the DNS zone and the API read. Maps are sorted so iteration (and so planning) is
 * deterministic. Built from persistent maps shared with the snapshots before and after it, so a
 * new snapshot costs what changed, not the size of the state.
 */
public final class ClusterSnapshot {

  public static final ClusterSnapshot EMPTY = new ClusterSnapshot(0, new TreeMap<>(), new TreeMap<>());

  private static final PSortedMap<String, JobKey> NONE = TreePMap.empty();

  private final long version;
  private final PSortedMap<String, NodeRecord> nodes;
  private final PSortedMap<JobKey, JobEntry> entries; // may hold tasks of a job without its record
  private final PSortedMap<String, MemberRecord> members;
  private final LeaderClaim leader;
  private final PMap<String, Long> keyIndexes; // Raft index that last wrote each non-task key: the CAS basis
  private final PMap<String, JobKey> jobOfTask;
  private final PMap<String, PSortedMap<String, JobKey>> desiredOnNode; // tasks desired RUN, by node
  private final DesiredChanges desiredChanges; // null: unknown (built by hand, or after a restore)
  private volatile SortedMap<JobKey, JobState> jobs; // the whole jobs, put together on first use

  /**
   * Which nodes' desired sets differ from those of the snapshot published just before this one
   * (weakly held: a snapshot must not keep its predecessors alive). Lets the sessions check the
   * nodes whose sets changed instead of looking up every session's set on each publish (10,000
   * lookups in a tree of 10,000 nodes, 7% of a replica's samples while a million tasks were placed).
   */
  record DesiredChanges(WeakReference<ClusterSnapshot> after, Set<String> nodes) {}

  public ClusterSnapshot(long version, Map<String, NodeRecord> nodes, Map<JobKey, JobState> jobs) {
    this(version, TreePMap.from(nodes), entriesOf(jobs), TreePMap.empty(), null, TreePMap.empty(), tasksOf(jobs),
        desiredOf(jobs), null);
  }

  ClusterSnapshot(
      long version,
      PSortedMap<String, NodeRecord> nodes,
      PSortedMap<JobKey, JobEntry> entries,
      PSortedMap<String, MemberRecord> members,
      LeaderClaim leader,
      PMap<String, Long> keyIndexes,
      PMap<String, JobKey> jobOfTask,
      PMap<String, PSortedMap<String, JobKey>> desiredOnNode,
      DesiredChanges desiredChanges) {
    this.desiredChanges = desiredChanges;
    this.version = version;
    this.nodes = nodes;
    this.entries = entries;
    this.members = members;
    this.leader = leader;
    this.keyIndexes = keyIndexes;
    this.jobOfTask = jobOfTask;
    this.desiredOnNode = desiredOnNode;
  }

  private static PSortedMap<JobKey, JobEntry> entriesOf(Map<JobKey, JobState> jobs) {
    PSortedMap<JobKey, JobEntry> out = TreePMap.empty();
    for (Map.Entry<JobKey, JobState> e : jobs.entrySet()) {
      out = out.plus(e.getKey(), JobEntry.of(e.getValue()));
    }
    return out;
  }

  private static PMap<String, JobKey> tasksOf(Map<JobKey, JobState> jobs) {
    PMap<String, JobKey> out = TreePMap.empty();
    for (Map.Entry<JobKey, JobState> e : jobs.entrySet()) {
      for (TaskRecord t : e.getValue().getTasksList()) {
        out = out.plus(t.getId(), e.getKey());
      }
    }
    return out;
  }

  private static PMap<String, PSortedMap<String, JobKey>> desiredOf(Map<JobKey, JobState> jobs) {
    Map<String, PSortedMap<String, JobKey>> out = new TreeMap<>();
    for (Map.Entry<JobKey, JobState> e : jobs.entrySet()) {
      for (TaskRecord t : e.getValue().getTasksList()) {
        if (t.getDesired() == DesiredState.DESIRED_RUN) {
          out.merge(t.getNode(), TreePMap.singleton(t.getId(), e.getKey()), (a, b) -> a.plusAll(b));
        }
      }
    }
    return TreePMap.from(out);
  }

  /** The coordinators, by member id, as they last described themselves. */
  public SortedMap<String, MemberRecord> members() {
    return members;
  }

  /** Who last claimed coordinator leadership (the Raft leader of that term), if anyone did. */
  public Optional<LeaderClaim> leader() {
    return Optional.ofNullable(leader);
  }

  /**
   * The Raft index that last wrote the job's record (0: absent). Every part of a plan rewrites the
   * record at the index it saw, so two plans for one job cannot both land (see PlanApplier).
   */
  public long jobRecordIndex(JobKey key) {
    return indexOf(StateKeys.job(key));
  }

  /** The Raft index that last wrote {@code key} (0: absent), for a compare-and-set against this view. */
  long indexOf(String key) {
    if (key.startsWith(StateKeys.TASK_PREFIX)) {
      JobEntry e = entries.get(StateKeys.jobKeyOfTask(key));
      JobEntry.Indexed<TaskRecord> t = e == null ? null : e.tasks().get(StateKeys.taskIdOf(key));
      return t == null ? 0 : t.index();
    }
    return keyIndexes.getOrDefault(key, 0L);
  }

  /** The job's entry as stored (record and tasks with their indexes), if anything of it is. */
  Optional<JobEntry> entry(JobKey key) {
    return Optional.ofNullable(entries.get(key));
  }

  /** Grows with every change; the DNS SOA serial follows it. */
  public long version() {
    return version;
  }

  /**
   * Whether {@code other} holds the very same nodes and jobs (tasks included): true only when no
   * write touched either between the two, since every write makes new maps (the persistent maps'
   * identity). Member records and the leader claim may differ. Lets the state's readers skip work
   * that only nodes and jobs feed, when just a member's heartbeat record moved.
   */
  public boolean sameNodesAndJobs(ClusterSnapshot other) {
    return other != null && nodes == other.nodes && entries == other.entries;
  }

  /** As {@link #sameNodesAndJobs(ClusterSnapshot)}, against an earlier snapshot's marks. */
  public boolean sameNodesAndJobs(Marks other) {
    return other != null && other.nodes.get() == nodes && other.entries.get() == entries;
  }

  /** Whether the earlier snapshot held the very same nodes (no write touched them between the two). */
  public boolean sameNodes(Marks other) {
    return other != null && other.nodes.get() == nodes;
  }

  /** Whether the earlier snapshot held the very same record and tasks of this job (no write touched them). */
  public boolean sameJob(JobKey job, Marks other) {
    if (other == null) {
      return false;
    }
    if (other.entries.get() == entries) {
      return true;
    }
    WeakReference<JobEntry> was = other.jobs.get(job);
    JobEntry now = entries.get(job);
    return was == null ? now == null : was.get() == now;
  }

  /** This snapshot's marks: what its nodes and jobs were, to tell later whether they changed. */
  public Marks marks() {
    return new Marks(this);
  }

  /**
   * What a snapshot's nodes and jobs were, without keeping them: whoever keeps a snapshot keeps
   * every task record of its time, and while reports stream in those are a second generation of
   * the records (a coordinator held 2,047,690 records at 1,000,000 tasks, run AC: the zone kept
   * the state its last rebuild read, the member watch the state of the last node change). A part
   * that was collected cannot be the current one (the current snapshot would have kept it alive),
   * so a cleared reference reads as changed.
   */
  public static final class Marks {
    private final WeakReference<Object> nodes;
    private final WeakReference<Object> entries;
    private final Map<JobKey, WeakReference<JobEntry>> jobs = new HashMap<>();

    private Marks(ClusterSnapshot s) {
      nodes = new WeakReference<>(s.nodes);
      entries = new WeakReference<>(s.entries);
      s.entries.forEach((k, e) -> jobs.put(k, new WeakReference<>(e)));
    }
  }

  /** The jobs that have a record, in order, without putting their tasks together. */
  public List<JobKey> jobKeys() {
    List<JobKey> out = new ArrayList<>();
    for (Map.Entry<JobKey, JobEntry> e : entries.entrySet()) {
      if (e.getValue().header() != null) {
        out.add(e.getKey());
      }
    }
    return out;
  }

  /** Nodes by name. */
  public SortedMap<String, NodeRecord> nodes() {
    return nodes;
  }

  /** Every job with its tasks. Put together once per snapshot; each job once per change of it. */
  public SortedMap<JobKey, JobState> jobs() {
    SortedMap<JobKey, JobState> j = jobs;
    if (j == null) {
      TreeMap<JobKey, JobState> all = new TreeMap<>();
      for (Map.Entry<JobKey, JobEntry> e : entries.entrySet()) {
        if (e.getValue().header() != null) {
          all.put(e.getKey(), e.getValue().whole());
        }
      }
      j = Collections.unmodifiableSortedMap(all);
      jobs = j;
    }
    return j;
  }

  /**
   * Every job's record and history without tasks, in order: what a reader that walks the tasks
   * through {@link #tasksOf} needs, without putting any job together.
   */
  public SortedMap<JobKey, JobState> jobHeaders() {
    TreeMap<JobKey, JobState> out = new TreeMap<>();
    for (Map.Entry<JobKey, JobEntry> e : entries.entrySet()) {
      if (e.getValue().header() != null) {
        out.put(e.getKey(), e.getValue().header());
      }
    }
    return out;
  }

  /**
   * A job's tasks in id order, read in place: a view of the stored entry, nothing copied. Readers
   * that walk every task (usage, the zone, liveness) use this rather than {@link #jobs}, which
   * builds each changed job's whole message anew (100,000 task records for a big job).
   */
  public Collection<TaskRecord> tasksOf(JobKey key) {
    JobEntry e = entries.get(key);
    if (e == null) {
      return List.of();
    }
    Collection<JobEntry.Indexed<TaskRecord>> stored = e.taskEntries();
    return new AbstractCollection<>() {
      @Override
      public Iterator<TaskRecord> iterator() {
        Iterator<JobEntry.Indexed<TaskRecord>> it = stored.iterator();
        return new Iterator<>() {
          @Override
          public boolean hasNext() {
            return it.hasNext();
          }

          @Override
          public TaskRecord next() {
            return it.next().value();
          }
        };
      }

      @Override
      public int size() {
        return stored.size();
      }
    };
  }

  /** Counts of the job's tasks desired to run by state, kept as its tasks change: nothing walked. */
  public TaskCounts taskCounts(JobKey key) {
    JobEntry e = entries.get(key);
    return e == null ? TaskCounts.NONE : e.counts();
  }

  public Optional<JobState> job(JobKey key) {
    JobEntry e = entries.get(key);
    return e == null || e.header() == null ? Optional.empty() : Optional.of(e.whole());
  }

  /** The job's record and history without its tasks: no need to put the whole job together. */
  public Optional<JobState> jobWithoutTasks(JobKey key) {
    JobEntry e = entries.get(key);
    return e == null ? Optional.empty() : Optional.ofNullable(e.header());
  }

  /** One task of a job, looked up without putting the job together. */
  public Optional<TaskRecord> task(JobKey job, String taskId) {
    JobEntry e = entries.get(job);
    JobEntry.Indexed<TaskRecord> t = e == null ? null : e.tasks().get(taskId);
    return t == null ? Optional.empty() : Optional.of(t.value());
  }

  public Optional<NodeRecord> node(String name) {
    return Optional.ofNullable(nodes.get(name));
  }

  /** Every task of every job, in job order. */
  public List<TaskRecord> allTasks() {
    List<TaskRecord> out = new ArrayList<>(jobOfTask.size());
    for (JobEntry e : entries.values()) {
      if (e.header() != null) {
        for (JobEntry.Indexed<TaskRecord> t : e.taskEntries()) {
          out.add(t.value());
        }
      }
    }
    return out;
  }

  /** How many jobs have a record, counted without putting their tasks together. */
  public int jobCount() {
    int n = 0;
    for (JobEntry e : entries.values()) {
      if (e.header() != null) {
        n++;
      }
    }
    return n;
  }

  /** The number of tasks of every job, without listing them. */
  public int taskCount() {
    return jobOfTask.size();
  }

  /** Tasks placed on a node that still hold its resources (desired to run). */
  public List<TaskRecord> tasksHoldingResourcesOn(String node) {
    List<TaskRecord> out = new ArrayList<>();
    for (Map.Entry<String, JobKey> e : tasksDesiredOn(node).entrySet()) {
      task(e.getValue(), e.getKey()).ifPresent(out::add);
    }
    return out;
  }

  /**
   * The ids of the tasks desired to run on a node, sorted, with their jobs. The same object in
   * every later snapshot until that set changes, so a caller can tell "unchanged" by identity.
   */
  public SortedMap<String, JobKey> tasksDesiredOn(String node) {
    PSortedMap<String, JobKey> on = desiredOnNode.get(node);
    return on == null ? NONE : on;
  }


  /**
   * The nodes whose desired sets ({@link #tasksDesiredOn}) are other objects than in {@code before},
   * when this snapshot was published right after it; empty when that is not known (then any
   * node's may differ).
   */
  public Optional<Set<String>> nodesWithNewDesiredSetsSince(ClusterSnapshot before) {
    DesiredChanges c = desiredChanges;
    return c != null && before != null && c.after().get() == before ? Optional.of(c.nodes()) : Optional.empty();
  }

  /** The job a task id belongs to. */
  public Optional<JobKey> jobOfTask(String taskId) {
    return Optional.ofNullable(jobOfTask.get(taskId));
  }

  public Optional<TaskRecord> task(String taskId) {
    JobKey k = jobOfTask.get(taskId);
    JobEntry e = k == null ? null : entries.get(k);
    JobEntry.Indexed<TaskRecord> t = e == null ? null : e.tasks().get(taskId);
    return t == null ? Optional.empty() : Optional.of(t.value());
  }

  /**
   * This state with one job's record and tasks replaced (or added) and every other job's entry
   * shared, as a write of that job alone leaves it: for building states without a Raft log (tests,
   * benches) whose readers tell changed jobs from unchanged ones ({@link #sameJob(JobKey, Marks)}). The task
   * indexes are made again from every job, as the constructor makes them.
   */
  public ClusterSnapshot withJob(long newVersion, JobKey key, JobState job) {
    Map<JobKey, JobState> all = new TreeMap<>(jobs());
    all.put(key, job);
    return new ClusterSnapshot(newVersion, nodes, entries.plus(key, JobEntry.of(job)), members, leader, keyIndexes,
        tasksOf(all), desiredOf(all), null);
  }

  /** This state with one node's record replaced (or added), as a write of that node alone leaves it. */
  public ClusterSnapshot withNode(long newVersion, NodeRecord node) {
    return new ClusterSnapshot(newVersion, nodes.plus(node.getFacts().getName(), node), entries, members, leader,
        keyIndexes, jobOfTask, desiredOnNode, null);
  }

  public ClusterSnapshot withVersion(long newVersion) {
    return new ClusterSnapshot(newVersion, nodes, entries, members, leader, keyIndexes, jobOfTask, desiredOnNode,
        null);
  }
}
