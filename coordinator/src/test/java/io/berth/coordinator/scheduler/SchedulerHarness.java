package io.berth.coordinator.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.coordinator.state.ClusterSnapshot;
import io.berth.coordinator.state.JobKey;
import io.berth.proto.Constraint;
import io.berth.proto.DesiredState;
import io.berth.proto.GroupSpec;
import io.berth.proto.JobRecord;
import io.berth.proto.JobSpec;
import io.berth.proto.JobState;
import io.berth.proto.JobStatus;
import io.berth.proto.NodeFacts;
import io.berth.proto.NodeRecord;
import io.berth.proto.NodeStatus;
import io.berth.proto.PortSpec;
import io.berth.proto.Resources;
import io.berth.proto.RestartPolicy;
import io.berth.proto.TaskRecord;
import io.berth.proto.TaskState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * A scheduler test bench over real state records (Nomad's Harness, without a store): build a
 * cluster from short node and job descriptions, evaluate a job, apply the plan as the leader
 * would, play the agents, and evaluate again.
 */
final class SchedulerHarness {

  static final long GIB = 1L << 30;
  static final long MIB = 1L << 20;

  private final Map<String, NodeRecord> nodes = new TreeMap<>();
  private final Map<JobKey, JobState> jobs = new TreeMap<>();
  private final List<Plan> plans = new ArrayList<>();
  private long version = 1;
  private long nowMs = 1_000_000;
  private int nextId;
  private final Scheduler scheduler;

  SchedulerHarness() {
    this(Scheduler.DEFAULT_DYNAMIC_PORT_MIN, Scheduler.DEFAULT_DYNAMIC_PORT_MAX);
  }

  SchedulerHarness(int dynamicMin, int dynamicMax) {
    // Deterministic ids: a counter in hex.
    this.scheduler = new Scheduler(() -> String.format("%08x", nextId++), dynamicMin, dynamicMax);
  }

  // ------------------------------------------------------------------ nodes

  /** A ready node with 4 cpus and 8 GiB, and labels as "key=value" strings. */
  SchedulerHarness node(String name, String... labels) {
    return node(name, 4000, 8 * GIB, labels);
  }

  SchedulerHarness node(String name, long cpuMillis, long memoryBytes, String... labels) {
    NodeFacts.Builder facts =
        NodeFacts.newBuilder()
            .setName(name)
            .setAddress("10.0.0." + (nodes.size() + 1))
            .setCpuMillis(cpuMillis)
            .setMemoryBytes(memoryBytes);
    for (String l : labels) {
      String[] kv = l.split("=", 2);
      facts.putLabels(kv[0], kv[1]);
    }
    nodes.put(
        name,
        NodeRecord.newBuilder().setFacts(facts).setStatus(NodeStatus.NODE_READY).setRegisteredAtMs(nowMs).build());
    version++;
    return this;
  }

  /** n nodes named prefix01..prefixNN, 4 cpus and 8 GiB each. */
  SchedulerHarness nodes(String prefix, int n) {
    for (int i = 1; i <= n; i++) {
      node(String.format("%s%02d", prefix, i));
    }
    return this;
  }

  SchedulerHarness nodeStatus(String name, NodeStatus status) {
    nodes.put(name, nodes.get(name).toBuilder().setStatus(status).setStatusChangedAtMs(nowMs).build());
    version++;
    return this;
  }

  SchedulerHarness ineligible(String name) {
    nodes.put(name, nodes.get(name).toBuilder().setIneligible(true).build());
    version++;
    return this;
  }

  /** `berth node eligible`: the node takes work again. */
  SchedulerHarness eligible(String name) {
    nodes.put(name, nodes.get(name).toBuilder().setIneligible(false).build());
    version++;
    return this;
  }

  SchedulerHarness removeNode(String name) {
    nodes.remove(name);
    version++;
    return this;
  }

  // ------------------------------------------------------------------ jobs

  static JobBuilder job(String name, String type) {
    return new JobBuilder(name, type);
  }

  static final class JobBuilder {
    private final JobSpec.Builder spec;
    private GroupSpec.Builder current;

    JobBuilder(String name, String type) {
      spec = JobSpec.newBuilder().setName(name).setNamespace("default").setType(type);
    }

    /** A cron job's schedule, time zone ("" = UTC) and overlap policy ("" = forbid). */
    JobBuilder schedule(String schedule, String timeZone, String overlap) {
      spec.setSchedule(schedule).setTimeZone(timeZone).setOverlap(overlap);
      return this;
    }

    JobBuilder restart(int attempts, long delayMs, String mode) {
      current.setRestart(RestartPolicy.newBuilder().setAttempts(attempts).setDelayMs(delayMs).setMode(mode));
      return this;
    }

    JobBuilder image(String image) {
      current.setImage(image);
      return this;
    }

    JobBuilder update(int maxParallel, long minHealthyMs, boolean autoRevert) {
      current.setUpdate(io.berth.proto.UpdateStrategy.newBuilder().setMaxParallel(maxParallel)
          .setMinHealthyTimeMs(minHealthyMs).setNoAutoRevert(!autoRevert));
      return this;
    }

    /** A TCP check on the given port label (its timings do not matter here: the agent runs it). */
    JobBuilder tcpCheck(String portLabel) {
      current.setHealthCheck(io.berth.proto.HealthCheck.newBuilder().setType("tcp").setPort(portLabel)
          .setIntervalMs(1000).setTimeoutMs(500).setUnhealthyAfter(3).setGraceMs(5000));
      return this;
    }

    JobBuilder healthyDeadline(long ms) {
      current.setUpdate(current.getUpdate().toBuilder().setHealthyDeadlineMs(ms));
      return this;
    }

    JobBuilder priority(int p) {
      spec.setPriority(p);
      return this;
    }

    JobBuilder group(String name, int count) {
      flush();
      current = GroupSpec.newBuilder().setName(name).setCount(count).setImage("busybox:1");
      return this;
    }

    JobBuilder resources(long cpuMillis, long memoryBytes) {
      current.setResources(Resources.newBuilder().setCpuMillis(cpuMillis).setMemoryBytes(memoryBytes));
      return this;
    }

    JobBuilder staticPort(String label, int port) {
      current.addPorts(PortSpec.newBuilder().setLabel(label).setStaticPort(port));
      return this;
    }

    JobBuilder dynamicPort(String label) {
      current.addPorts(PortSpec.newBuilder().setLabel(label));
      return this;
    }

    JobBuilder constraint(String attribute, String operator, String value) {
      current.addConstraints(
          Constraint.newBuilder().setAttribute(attribute).setOperator(operator).setValue(value));
      return this;
    }

    private void flush() {
      if (current != null) {
        spec.addGroups(current);
        current = null;
      }
    }

    JobSpec build() {
      flush();
      return spec.build();
    }
  }

  /** Registers (or updates, bumping the version) a running job; its tasks are kept. */
  JobKey register(JobBuilder job) {
    return register(job.build());
  }

  JobKey register(JobSpec spec) {
    JobKey key = JobKey.of(spec);
    JobState old = jobs.get(key);
    long v = old == null ? 1 : old.getJob().getVersion() + 1;
    JobRecord rec =
        JobRecord.newBuilder().setSpec(spec).setVersion(v).setStatus(JobStatus.JOB_RUNNING).setSubmittedAtMs(nowMs).build();
    // As the API does: the replaced version goes into the job's history.
    jobs.put(key, JobHistory.next(old, rec));
    version++;
    return key;
  }

  SchedulerHarness stopJob(JobKey key) {
    JobState js = jobs.get(key);
    jobs.put(key, js.toBuilder().setJob(js.getJob().toBuilder().setStatus(JobStatus.JOB_STOPPED)).build());
    version++;
    return this;
  }

  SchedulerHarness scale(JobKey key, String group, int count) {
    JobSpec.Builder spec = jobs.get(key).getJob().getSpec().toBuilder();
    for (int i = 0; i < spec.getGroupsCount(); i++) {
      if (spec.getGroups(i).getName().equals(group)) {
        spec.setGroups(i, spec.getGroups(i).toBuilder().setCount(count));
      }
    }
    register(spec.build());
    return this;
  }

  // ------------------------------------------------------------------ evaluating

  ClusterSnapshot snapshot() {
    return new ClusterSnapshot(version, nodes, jobs);
  }

  /** Schedules the job against the current snapshot without applying the plan. */
  Plan plan(JobKey key) {
    nowMs += 1000;
    String evalId = "eval-" + plans.size();
    ClusterSnapshot snapshot = snapshot();
    Plan p = scheduler.schedule(new Evaluation(evalId, key, Evaluation.Trigger.JOB_REGISTERED, nowMs), snapshot);
    plans.add(p);
    assertWellFormed(p);
    assertUnchangedUntilRecheck(p, evalId, snapshot);
    return p;
  }

  /**
   * Checked on every plan: the same state planned just before the plan's recheck time (an hour
   * later when it has none) gives the same plan, so a leader that waits for the recheck time
   * misses nothing that time alone would have done.
   */
  private void assertUnchangedUntilRecheck(Plan p, String evalId, ClusterSnapshot snapshot) {
    long probeAt = p.recheckAtMs() == Long.MAX_VALUE ? nowMs + 3_600_000 : p.recheckAtMs() - 1;
    assertTrue(p.recheckAtMs() > nowMs, "recheck at " + p.recheckAtMs() + " is not after the plan's time " + nowMs);
    int idsBefore = nextId;
    Plan later = scheduler.schedule(new Evaluation(evalId, p.job(), Evaluation.Trigger.PERIODIC, probeAt), snapshot);
    nextId = idsBefore; // the probe's placements are thrown away: keep the ids the test expects
    assertEquals(outline(p), outline(later), "planned at " + probeAt + ", before its recheck at "
        + p.recheckAtMs() + " (now " + nowMs + "), the plan differs");
  }

  /** What a plan does, without ids of new tasks, nodes or status lines. */
  private static String outline(Plan p) {
    List<String> slots = p.place().stream().map(t -> t.getGroup() + "/" + t.getIndex() + "@" + t.getRunAtMs()).sorted().toList();
    return "place " + slots + " stop " + new java.util.TreeSet<>(p.stop()) + " forget " + new java.util.TreeSet<>(p.forget())
        + " stable " + p.markStable() + " revert " + p.revert().isPresent();
  }

  /** Schedules the job and applies the plan. */
  Plan evaluate(JobKey key) {
    Plan p = plan(key);
    apply(p);
    return p;
  }

  /** Applies a plan as the leader's plan applier would: one write, stops may cross jobs. */
  void apply(Plan p) {
    Set<String> stop = new HashSet<>(p.stop());
    Set<String> forget = new HashSet<>(p.forget());
    for (Map.Entry<JobKey, JobState> e : new ArrayList<>(jobs.entrySet())) {
      JobState.Builder js = e.getValue().toBuilder().clearTasks();
      for (TaskRecord t : e.getValue().getTasksList()) {
        if (forget.contains(t.getId())) {
          continue;
        }
        js.addTasks(stop.contains(t.getId()) ? t.toBuilder().setDesired(DesiredState.DESIRED_STOP).setUpdatedAtMs(nowMs).build() : t);
      }
      if (e.getKey().equals(p.job())) {
        js.addAllTasks(p.place());
        if (e.getValue().getJob().getVersion() == p.jobVersion()) {
          p.applyJobChange(e.getValue(), js);
        }
      }
      jobs.put(e.getKey(), js.build());
    }
    version++;
  }

  /** The agents of nodes that are not down catch up: pending tasks run, stopping ones stop. */
  SchedulerHarness agentsConverge() {
    return updateTasks(
        t -> {
          NodeRecord n = nodes.get(t.getNode());
          if (n == null || n.getStatus() == NodeStatus.NODE_DOWN) {
            return t;
          }
          if (t.getDesired() == DesiredState.DESIRED_STOP && TaskStates.isActive(t.getState())) {
            return t.toBuilder().setState(TaskState.TASK_STOPPED).build();
          }
          if (t.getDesired() == DesiredState.DESIRED_RUN && t.getState() == TaskState.TASK_PENDING) {
            return t.toBuilder().setState(TaskState.TASK_RUNNING).build();
          }
          return t;
        });
  }

  SchedulerHarness taskState(String id, TaskState state) {
    return updateTasks(t -> t.getId().equals(id) ? t.toBuilder().setState(state).build() : t);
  }

  /** The task's agent reports it failed now (the harness clock). */
  SchedulerHarness failsNow(String id) {
    return updateTasks(t -> t.getId().equals(id)
        ? t.toBuilder().setState(TaskState.TASK_FAILED).setExitCode(1).setUpdatedAtMs(nowMs).build() : t);
  }

  /** The task's process exits now (the harness clock) with this code: 0 is EXITED, else FAILED. */
  SchedulerHarness exitsNow(String id, int code) {
    return updateTasks(t -> t.getId().equals(id)
        ? t.toBuilder().setState(code == 0 ? TaskState.TASK_EXITED : TaskState.TASK_FAILED).setExitCode(code)
            .setUpdatedAtMs(nowMs).build()
        : t);
  }

  /** The task's agent reports a new health verdict now (the harness clock). */
  SchedulerHarness healthNow(String id, io.berth.proto.TaskHealth health, String output) {
    return updateTasks(t -> t.getId().equals(id)
        ? t.toBuilder().setHealth(health).setHealthOutput(output).setHealthChangedAtMs(nowMs).build() : t);
  }

  /** Every running task of the job passes its check now. */
  SchedulerHarness allHealthyNow(JobKey key) {
    for (TaskRecord t : live(key)) {
      if (t.getState() == TaskState.TASK_RUNNING && t.getHealth() != io.berth.proto.TaskHealth.HEALTH_HEALTHY) {
        healthNow(t.getId(), io.berth.proto.TaskHealth.HEALTH_HEALTHY, "connected");
      }
    }
    return this;
  }

  /** Sets the harness clock; the next plan() runs at this time plus one second. */
  SchedulerHarness clockAt(long ms) {
    nowMs = ms;
    return this;
  }

  SchedulerHarness addTask(JobKey key, TaskRecord t) {
    JobState js = jobs.get(key);
    jobs.put(key, js.toBuilder().addTasks(t).build());
    version++;
    return this;
  }

  private SchedulerHarness updateTasks(UnaryOperator<TaskRecord> f) {
    for (Map.Entry<JobKey, JobState> e : new ArrayList<>(jobs.entrySet())) {
      JobState.Builder js = e.getValue().toBuilder().clearTasks();
      for (TaskRecord t : e.getValue().getTasksList()) {
        js.addTasks(f.apply(t));
      }
      jobs.put(e.getKey(), js.build());
    }
    version++;
    return this;
  }

  // ------------------------------------------------------------------ reading

  JobState job(JobKey key) {
    return jobs.get(key);
  }

  List<TaskRecord> tasks(JobKey key) {
    return jobs.get(key).getTasksList();
  }

  List<TaskRecord> live(JobKey key) {
    return tasks(key).stream().filter(TaskStates::isLive).toList();
  }

  TaskRecord task(String id) {
    return jobs.values().stream().flatMap(j -> j.getTasksList().stream())
        .filter(t -> t.getId().equals(id)).findFirst().orElseThrow();
  }

  /** Live tasks of the job per node name. */
  Map<String, Long> liveByNode(JobKey key) {
    return live(key).stream().collect(Collectors.groupingBy(TaskRecord::getNode, TreeMap::new, Collectors.counting()));
  }

  List<Plan> plans() {
    return plans;
  }

  long now() {
    return nowMs;
  }

  // ------------------------------------------------------------------ invariants every plan keeps

  /**
   * Checked on every plan: placements are new PENDING tasks of this job on distinct slots, and no
   * two live tasks (after the plan) share a host port on a node.
   */
  private void assertWellFormed(Plan p) {
    Set<String> stops = new HashSet<>(p.stop());
    Map<String, Set<Integer>> portsByNode = new HashMap<>();
    List<TaskRecord> after = new ArrayList<>();
    for (JobState js : jobs.values()) {
      for (TaskRecord t : js.getTasksList()) {
        if (TaskStates.isLive(t) && !stops.contains(t.getId())) {
          after.add(t);
        }
      }
    }
    for (TaskRecord t : p.place()) {
      assertEquals(p.job().name(), t.getJob());
      assertEquals(DesiredState.DESIRED_RUN, t.getDesired());
      assertEquals(TaskState.TASK_PENDING, t.getState());
      assertTrue(nodes.containsKey(t.getNode()), "placed on an unknown node: " + t.getNode());
      assertEquals(NodeStatus.NODE_READY, nodes.get(t.getNode()).getStatus(), t.getId());
      after.add(t);
    }
    for (TaskRecord t : after) {
      for (int port : t.getPortsMap().values()) {
        assertTrue(
            portsByNode.computeIfAbsent(t.getNode(), n -> new HashSet<>()).add(port),
            "port " + port + " used twice on " + t.getNode() + " (" + t.getId() + ")");
      }
    }
    // One live task per slot (per cron run), except the old copy on a drained node while its
    // replacement starts.
    Set<String> slots = new HashSet<>();
    for (TaskRecord t : after) {
      boolean migrating = nodes.containsKey(t.getNode()) && nodes.get(t.getNode()).getIneligible();
      if (!migrating && t.getJob().equals(p.job().name()) && t.getNamespace().equals(p.job().namespace())) {
        String slot = t.getGroup() + "/" + t.getIndex() + (t.getRunAtMs() > 0 ? "@" + t.getRunAtMs() : "");
        assertTrue(slots.add(slot), "two live tasks in slot " + slot);
      }
    }
    Set<String> forgets = new HashSet<>(p.forget());
    assertEquals(forgets.size(), p.forget().size(), "forget has duplicates");
    for (String id : p.forget()) {
      assertFalse(stops.contains(id), id + " both stopped and forgotten");
    }
  }
}
