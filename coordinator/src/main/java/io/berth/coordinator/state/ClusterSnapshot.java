package io.berth.coordinator.state;

import io.berth.proto.DesiredState;
import io.berth.proto.JobState;
import io.berth.proto.LeaderClaim;
import io.berth.proto.MemberRecord;
import io.berth.proto.NodeRecord;
import io.berth.proto.TaskRecord;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * An immutable view of the replicated state at one version: what the scheduler plans against,
 * what the DNS zone and the API read. Maps are sorted so iteration (and so planning) is
 * deterministic.
 */
public final class ClusterSnapshot {

  public static final ClusterSnapshot EMPTY = new ClusterSnapshot(0, new TreeMap<>(), new TreeMap<>());

  private final long version;
  private final SortedMap<String, NodeRecord> nodes;
  private final SortedMap<JobKey, JobState> jobs;
  private final SortedMap<String, MemberRecord> members;
  private final LeaderClaim leader;
  private final Map<String, Long> keyIndexes; // Raft index that last wrote each key: the CAS basis
  private volatile Map<String, JobKey> jobOfTask; // built on first use: snapshots are immutable

  public ClusterSnapshot(long version, Map<String, NodeRecord> nodes, Map<JobKey, JobState> jobs) {
    this(version, nodes, jobs, Map.of(), null, Map.of());
  }

  public ClusterSnapshot(
      long version,
      Map<String, NodeRecord> nodes,
      Map<JobKey, JobState> jobs,
      Map<String, MemberRecord> members,
      LeaderClaim leader,
      Map<String, Long> keyIndexes) {
    this.version = version;
    this.nodes = Collections.unmodifiableSortedMap(new TreeMap<>(nodes));
    this.jobs = Collections.unmodifiableSortedMap(new TreeMap<>(jobs));
    this.members = Collections.unmodifiableSortedMap(new TreeMap<>(members));
    this.leader = leader;
    this.keyIndexes = keyIndexes;
  }

  /** The coordinators, by member id, as they last described themselves. */
  public SortedMap<String, MemberRecord> members() {
    return members;
  }

  /** Who last claimed coordinator leadership (the Raft leader of that term), if anyone did. */
  public Optional<LeaderClaim> leader() {
    return Optional.ofNullable(leader);
  }

  /** The Raft index that last wrote {@code key} (0: absent), for a compare-and-set against this view. */
  long indexOf(String key) {
    return keyIndexes.getOrDefault(key, 0L);
  }

  /** Grows with every change; the DNS SOA serial follows it. */
  public long version() {
    return version;
  }

  /** Nodes by name. */
  public SortedMap<String, NodeRecord> nodes() {
    return nodes;
  }

  public SortedMap<JobKey, JobState> jobs() {
    return jobs;
  }

  public Optional<JobState> job(JobKey key) {
    return Optional.ofNullable(jobs.get(key));
  }

  public Optional<NodeRecord> node(String name) {
    return Optional.ofNullable(nodes.get(name));
  }

  /** Every task of every job, in job order. */
  public List<TaskRecord> allTasks() {
    List<TaskRecord> out = new ArrayList<>();
    for (JobState js : jobs.values()) {
      out.addAll(js.getTasksList());
    }
    return out;
  }

  /** Tasks placed on a node that still hold its resources (desired to run). */
  public List<TaskRecord> tasksHoldingResourcesOn(String node) {
    List<TaskRecord> out = new ArrayList<>();
    for (JobState js : jobs.values()) {
      for (TaskRecord t : js.getTasksList()) {
        if (t.getNode().equals(node) && t.getDesired() == DesiredState.DESIRED_RUN) {
          out.add(t);
        }
      }
    }
    return out;
  }

  /** The job a task id belongs to. */
  public Optional<JobKey> jobOfTask(String taskId) {
    Map<String, JobKey> index = jobOfTask;
    if (index == null) {
      index = new java.util.HashMap<>();
      for (Map.Entry<JobKey, JobState> e : jobs.entrySet()) {
        for (TaskRecord t : e.getValue().getTasksList()) {
          index.put(t.getId(), e.getKey());
        }
      }
      jobOfTask = index;
    }
    return Optional.ofNullable(index.get(taskId));
  }

  public Optional<TaskRecord> task(String taskId) {
    return jobOfTask(taskId)
        .flatMap(k -> jobs.get(k).getTasksList().stream().filter(t -> t.getId().equals(taskId)).findFirst());
  }

  public ClusterSnapshot withVersion(long newVersion) {
    return new ClusterSnapshot(newVersion, nodes, jobs, members, leader, keyIndexes);
  }
}
