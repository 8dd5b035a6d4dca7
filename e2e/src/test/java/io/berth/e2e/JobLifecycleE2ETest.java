package io.berth.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.proto.DesiredState;
import io.berth.proto.JobStatusRequest;
import io.berth.proto.JobStatusResponse;
import io.berth.proto.ListTasksRequest;
import io.berth.proto.TaskRecord;
import io.berth.proto.TaskState;
import io.berth.proto.TaskView;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The job model end to end on real processes and a real dockerd: scaling, replacement of a killed
 * container, batch retries with exit codes, static port conflicts, cron runs and their overlap
 * policy, node drain, and refusal of bad job files. Two agents (nodes "a-..." and "b-...") share
 * this machine's dockerd, each owning only the containers labelled with its own name.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class JobLifecycleE2ETest {
  static final String IMAGE = "lab/busybox:1";
  static final Duration SETTLE = LocalCluster.SETTLE;
  static final String LOOP = "trap 'exit 0' TERM; while true; do sleep 1; done";

  final String run = UUID.randomUUID().toString().substring(0, 6);
  final String nodeA = "a-" + run;
  final String nodeB = "b-" + run;
  LocalCluster cluster;

  @BeforeAll
  void start() throws Exception {
    Docker.requireEngineAndImage(IMAGE);
    cluster = LocalCluster.start("jobs-" + run).agent(nodeA).agent(nodeB);
  }

  @AfterAll
  void stop() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @Order(1)
  void scalingUpAndDownChangesTheRunningContainers() throws Exception {
    String job = "scale-" + run;
    Path f = cluster.file("scale.yaml", """
        name: %s
        groups:
          - name: web
            count: 2
            image: %s
            command: ["/bin/sh", "-c", "%s"]
        """.formatted(job, IMAGE, LOOP));
    assertEquals(0, cluster.berth("job", "run", "-f", f.toString()).exit());
    awaitRunning(job, 2);

    BerthProcess.Result up = cluster.berth("job", "scale", job, "web", "4");
    assertEquals(0, up.exit(), up.err());
    assertTrue(up.out().contains("scaled from 2 to 4 (version 2)"), up.out());
    awaitRunning(job, 4);
    Await.until("4 running containers of " + job, SETTLE, () -> Docker.containersWithLabel("berth.job", job, true).size() == 4);

    BerthProcess.Result down = cluster.berth("job", "scale", job, "web", "1", "-o", "json");
    assertEquals(0, down.exit(), down.err());
    assertTrue(down.out().contains("\"previous_count\": 4"), down.out());
    Await.until("1 running container of " + job, SETTLE, () -> Docker.containersWithLabel("berth.job", job, true).size() == 1);
    List<TaskView> left = awaitRunning(job, 1);
    assertEquals(0, left.get(0).getTask().getIndex(), "scaling down stops the highest indexes");

    BerthProcess.Result noGroup = cluster.berth("job", "scale", job, "db", "2");
    assertEquals(1, noGroup.exit());
    assertTrue(noGroup.err().contains("has no group db (groups: web)"), noGroup.err());
  }

  @Test
  @Order(2)
  void aKilledContainerIsReplaced() throws Exception {
    String job = "scale-" + run;
    TaskView victim = awaitRunning(job, 1).get(0);
    long killedAt = System.nanoTime();
    Docker.run("kill", victim.getTask().getContainerId());
    // Poll tightly to measure how long the slot is without a running task.
    TaskView replacement = null;
    while (System.nanoTime() - killedAt < SETTLE.toNanos()) {
      replacement = tasks(job, false).stream()
          .filter(t -> t.getTask().getState() == TaskState.TASK_RUNNING && !t.getTask().getId().equals(victim.getTask().getId()))
          .findFirst().orElse(null);
      if (replacement != null) {
        break;
      }
      Thread.sleep(20);
    }
    long ms = (System.nanoTime() - killedAt) / 1_000_000;
    assertTrue(replacement != null, "no replacement for " + victim.getTask().getId() + " within " + SETTLE);
    System.out.println("MEASURE killed-container-replaced-ms=" + ms);
    assertEquals(0, replacement.getTask().getIndex(), "the replacement takes the same slot");
    assertEquals(2, replacement.getTask().getAttempt());
    assertEquals(victim.getName(), replacement.getName(), "and keeps the slot's name");
    assertEquals(0, cluster.berth("job", "stop", job).exit());
  }

  @Test
  @Order(3)
  void aFailingBatchTaskIsRetriedAndItsExitCodesAndAttemptsRecorded() throws Exception {
    String job = "batch-" + run;
    Path marker = cluster.work.resolve("batch-marker-" + run);
    java.nio.file.Files.createDirectories(marker);
    Path f = cluster.file("batch.yaml", """
        name: %s
        type: batch
        groups:
          - name: flaky
            image: %s
            command: ["/bin/sh", "-c", "if [ -e /m/ran ]; then exit 0; fi; touch /m/ran; exit 3"]
            volumes: [{host: %s, container: /m}]
          - name: broken
            image: %s
            command: ["/bin/sh", "-c", "exit 7"]
            restart: {attempts: 3, delay: 1s, mode: fail}
        """.formatted(job, IMAGE, marker, IMAGE));
    assertEquals(0, cluster.berth("job", "run", "-f", f.toString()).exit());
    JobStatusResponse s = Await.until("the batch job to finish", SETTLE, () -> status(job),
        r -> r.getOutcomeList().stream().anyMatch(l -> l.startsWith("failed:")));
    assertEquals(List.of("failed: broken[0] gave up after 3 attempts, exit codes 7, 7, 7"), s.getOutcomeList());
    TaskRecord flaky = s.getTasksList().stream().filter(t -> t.getGroup().equals("flaky")
        && t.getDesired() == DesiredState.DESIRED_RUN).findFirst().orElseThrow();
    assertEquals(TaskState.TASK_EXITED, flaky.getState());
    assertEquals(2, flaky.getAttempt());
    assertEquals(List.of(3), flaky.getEarlierExitCodesList());
    TaskRecord broken = s.getTasksList().stream().filter(t -> t.getGroup().equals("broken")
        && t.getDesired() == DesiredState.DESIRED_RUN).findFirst().orElseThrow();
    assertEquals(TaskState.TASK_FAILED, broken.getState());
    assertEquals(3, broken.getAttempt());
    assertEquals(7, broken.getExitCode());

    BerthProcess.Result text = cluster.berth("job", "status", job);
    assertTrue(text.out().contains("failed: broken[0] gave up after 3 attempts, exit codes 7, 7, 7"), text.out());
    assertTrue(text.out().lines().anyMatch(l -> l.contains("flaky") && l.contains("exited") && l.contains("3,0")), text.out());
    assertTrue(text.out().lines().anyMatch(l -> l.contains("broken") && l.contains("failed") && l.contains("7,7,7")), text.out());
    assertEquals(0, cluster.berth("job", "stop", job).exit());
  }

  @Test
  @Order(4)
  void twoTasksAskingForOneStaticPortNeverShareANode() throws Exception {
    String job = "port-" + run;
    int port = LocalCluster.freePort();
    Path f = cluster.file("port.yaml", """
        name: %s
        groups:
          - name: svc
            count: 3
            image: %s
            command: ["/bin/sh", "-c", "%s"]
            ports: [{label: api, static: %d}]
        """.formatted(job, IMAGE, LOOP, port));
    assertEquals(0, cluster.berth("job", "run", "-f", f.toString()).exit());
    try {
      List<TaskView> running = awaitRunning(job, 2);
      assertEquals(Set.of(nodeA, nodeB), running.stream().map(t -> t.getTask().getNode()).collect(Collectors.toSet()));
      BerthProcess.Result st = Await.until("the unplaced task's reason in job status", SETTLE,
          () -> cluster.berth("job", "status", job), r -> r.out().contains("not placed:"));
      // "1 of 1": of the placements this evaluation wanted (the two placed ones are running).
      assertTrue(st.out().contains("not placed: svc: 1 of 1 not placed: 2 nodes evaluated: 2 port " + port + " in use"),
          st.out());
      // Still so a few evaluations later: the third task is never squeezed onto a node.
      Thread.sleep(2000);
      assertEquals(2, tasks(job, false).size());
    } finally {
      assertEquals(0, cluster.berth("job", "stop", job).exit());
    }
  }

  @Test
  @Order(5)
  void aCronJobFiresOnTimeAndForbidsOverlap() throws Exception {
    String job = "cron-" + run;
    // Every 5 s from a few seconds from now; each run takes 7 s, so every other firing meets an
    // active run and is skipped (overlap: forbid).
    Instant first = Instant.ofEpochSecond(Instant.now().getEpochSecond() + 8);
    Path f = cluster.file("cron.yaml", """
        name: %s
        type: cron
        schedule: "R/%s/PT5S"
        overlap: forbid
        groups:
          - name: tick
            image: %s
            command: ["/bin/sh", "-c", "sleep 7"]
        """.formatted(job, first, IMAGE));
    assertEquals(0, cluster.berth("job", "run", "-f", f.toString()).exit());

    Map<Long, TaskRecord> runs = new TreeMap<>();
    long deadline = first.toEpochMilli() + 27_000;
    while (System.currentTimeMillis() < deadline) {
      for (TaskRecord t : status(job).getTasksList()) {
        if (t.getRunAtMs() > 0 && t.getDesired() == DesiredState.DESIRED_RUN) {
          runs.put(t.getRunAtMs(), t);
        }
      }
      Thread.sleep(200);
    }
    Map<Long, TaskRecord> last = new TreeMap<>(runs);
    for (TaskRecord t : status(job).getTasksList()) {
      if (last.containsKey(t.getRunAtMs())) {
        last.put(t.getRunAtMs(), t);
      }
    }
    long f0 = first.toEpochMilli();
    List<Long> offsets = last.keySet().stream().map(at -> (at - f0) / 1000).toList();
    System.out.println("MEASURE cron runs at +" + offsets + " s; started after firing (ms): "
        + last.values().stream().map(t -> t.getCreatedAtMs() - t.getRunAtMs()).toList());
    assertEquals(List.of(0L, 10L, 20L), offsets, "forbid skips the firings at +5 s and +15 s");
    List<TaskRecord> ordered = new ArrayList<>(last.values());
    for (TaskRecord t : ordered) {
      assertTrue(t.getCreatedAtMs() - t.getRunAtMs() < 3000,
          "run at " + Instant.ofEpochMilli(t.getRunAtMs()) + " placed " + (t.getCreatedAtMs() - t.getRunAtMs()) + " ms late");
    }
    for (int i = 0; i + 1 < ordered.size(); i++) {
      TaskRecord before = ordered.get(i);
      assertEquals(TaskState.TASK_EXITED, before.getState(), "run " + i + " completed");
      assertTrue(before.getUpdatedAtMs() <= ordered.get(i + 1).getCreatedAtMs(),
          "run " + (i + 1) + " started before run " + i + " ended");
    }
    BerthProcess.Result st = cluster.berth("job", "status", job);
    assertTrue(st.out().contains("schedule R/" + first + "/PT5S (UTC), overlap forbid; next run at"), st.out());
    assertTrue(st.out().contains("run at " + first + ": complete: 1 of 1 tasks exited 0"), st.out());
    assertEquals(0, cluster.berth("job", "stop", job).exit());
    Await.until("no containers of " + job, SETTLE, () -> Docker.containersWithLabel("berth.job", job, true).isEmpty());
  }

  @Test
  @Order(6)
  void drainingANodeMovesItsServiceTasksReplacementFirst() throws Exception {
    String job = "drain-" + run;
    Path f = cluster.file("drain.yaml", """
        name: %s
        groups:
          - name: web
            count: 2
            image: %s
            command: ["/bin/sh", "-c", "%s"]
        """.formatted(job, IMAGE, LOOP));
    assertEquals(0, cluster.berth("job", "run", "-f", f.toString()).exit());
    List<TaskView> before = awaitRunning(job, 2);
    assertEquals(Set.of(nodeA, nodeB), before.stream().map(t -> t.getTask().getNode()).collect(Collectors.toSet()),
        "spread puts one task on each node");
    // Each agent labels its containers with its own name; both share this dockerd.
    for (TaskView t : before) {
      assertEquals(t.getTask().getNode(), Docker.run("inspect", "--format", "{{index .Config.Labels \"berth.agent\"}}",
          t.getTask().getContainerId()).trim());
    }

    BerthProcess.Result drain = cluster.berth("node", "drain", nodeA);
    assertEquals(0, drain.exit(), drain.err());
    assertTrue(drain.out().contains("1 service/global task(s) to move"), drain.out());
    int fewestRunning = Integer.MAX_VALUE;
    long deadline = System.nanoTime() + SETTLE.toNanos();
    List<TaskView> now = List.of();
    while (System.nanoTime() < deadline) {
      now = tasks(job, false);
      long running = now.stream().filter(t -> t.getTask().getState() == TaskState.TASK_RUNNING).count();
      fewestRunning = (int) Math.min(fewestRunning, running);
      if (now.size() == 2 && now.stream().allMatch(t -> t.getTask().getNode().equals(nodeB)
          && t.getTask().getState() == TaskState.TASK_RUNNING)) {
        break;
      }
      Thread.sleep(50);
    }
    assertTrue(now.size() == 2 && now.stream().allMatch(t -> t.getTask().getNode().equals(nodeB)), "tasks: " + now);
    assertEquals(2, fewestRunning, "the old copy stops only once its replacement runs");
    Await.until("no running containers on drained " + nodeA, SETTLE,
        () -> Docker.containersWithLabel("berth.agent", nodeA, true).isEmpty());
    assertTrue(cluster.berth("node", "ls").out().lines().anyMatch(l -> l.startsWith(nodeA) && l.contains("no (drained)")));

    // Nothing new lands on the drained node...
    assertEquals(0, cluster.berth("job", "scale", job, "web", "3").exit());
    assertTrue(awaitRunning(job, 3).stream().allMatch(t -> t.getTask().getNode().equals(nodeB)));
    // ...until it is eligible again.
    assertEquals(0, cluster.berth("node", "eligible", nodeA).exit());
    assertEquals(0, cluster.berth("job", "scale", job, "web", "4").exit());
    List<TaskView> four = awaitRunning(job, 4);
    assertTrue(four.stream().anyMatch(t -> t.getTask().getNode().equals(nodeA)), "tasks: " + four);
    assertFalse(cluster.node(nodeA).orElseThrow().getIneligible());
    assertEquals(0, cluster.berth("job", "stop", job).exit());
  }

  @Test
  @Order(7)
  void badJobFilesAreRefusedWithTheFieldPath() throws Exception {
    Map<String, String> cases = Map.of(
        "type: cron\nschedule: 'every minute'\n", "schedule: 'every minute' is neither a cron expression",
        "type: cron\nschedule: '0 0 30 2 *'\n", "schedule: '0 0 30 2 *' never fires",
        "type: cron\nschedule: R3/2017-02-14T12:00:00Z/PT3M\n", "schedule: 'R3/2017-02-14T12:00:00Z/PT3M' never fires after now",
        "resources_note: x\n", "resources_note: unknown field");
    int i = 0;
    for (Map.Entry<String, String> c : cases.entrySet()) {
      Path f = cluster.file("bad" + i++ + ".yaml", "name: bad-" + run + "\n" + c.getKey()
          + "groups: [{name: g, image: " + IMAGE + "}]\n");
      BerthProcess.Result r = cluster.berth("job", "run", "-f", f.toString());
      assertEquals(2, r.exit(), r.out() + r.err());
      assertTrue(r.err().contains(c.getValue()), "expected '" + c.getValue() + "' in: " + r.err());
    }
    Path f = cluster.file("badgroup.yaml", """
        name: bad-%s
        groups:
          - name: g
            image: %s
            resources: {cpu: -1, memory: -1Mi}
            ports: [{label: http}, {label: http}]
        """.formatted(run, IMAGE));
    BerthProcess.Result r = cluster.berth("job", "run", "-f", f.toString());
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("groups[0].resources.cpu: must be like 500m or 2: must not be negative"), r.err());
    assertTrue(r.err().contains("groups[0].resources.memory"), r.err());
    assertTrue(r.err().contains("groups[0].ports[1].label: duplicate port label http"), r.err());
    assertTrue(cluster.berth("job", "status", "bad-" + run).exit() != 0, "a refused job is not created");
  }

  @Test
  @Order(8)
  void aChangedSpecRollsAndAFailingUpdateRevertsByItself() throws Exception {
    String job = "roll-" + run;
    String spec = """
        name: %s
        groups:
          - name: web
            count: 2
            image: %s
            command: ["/bin/sh", "-c", "%s"]
            env: {RELEASE: "%s"}
            update: {max_parallel: 1, min_healthy_time: 2s}
        """;
    assertEquals(0, cluster.berth("job", "run", "-f", cluster.file("roll1.yaml",
        spec.formatted(job, IMAGE, LOOP, "one")).toString()).exit());
    awaitRunning(job, 2);
    Await.until("version 1 stable", SETTLE, () -> history(job).get(0).getStable());

    // Release two: every task is replaced, one at a time, and the job never drops below one running task.
    assertEquals(0, cluster.berth("job", "run", "-f", cluster.file("roll2.yaml",
        spec.formatted(job, IMAGE, LOOP, "two")).toString()).exit());
    int fewest = Integer.MAX_VALUE;
    long deadline = System.nanoTime() + SETTLE.toNanos();
    while (System.nanoTime() < deadline) {
      List<TaskView> ts = tasks(job, false);
      fewest = (int) Math.min(fewest, ts.stream().filter(t -> t.getTask().getState() == TaskState.TASK_RUNNING).count());
      if (ts.size() == 2 && ts.stream().allMatch(t -> t.getTask().getJobVersion() == 2
          && t.getTask().getState() == TaskState.TASK_RUNNING)) {
        break;
      }
      Thread.sleep(50);
    }
    List<TaskView> two = awaitRunning(job, 2);
    assertTrue(two.stream().allMatch(t -> t.getTask().getJobVersion() == 2), "tasks: " + two);
    assertTrue(fewest >= 1, "max_parallel 1 of 2: one task always runs (fewest seen " + fewest + ")");
    for (TaskView t : two) {
      assertTrue(Docker.run("inspect", "--format", "{{json .Config.Env}}", t.getTask().getContainerId())
          .contains("RELEASE=two"), "the container runs release two");
    }
    Await.until("version 2 stable", SETTLE, () -> history(job).get(0).getStable());

    // Release three cannot start: the update fails and reverts to release two by itself.
    assertEquals(0, cluster.berth("job", "run", "-f", cluster.file("roll3.yaml", spec.formatted(job, IMAGE,
        "exit 1", "three")).toString()).exit());
    List<io.berth.proto.JobRecord> versions = Await.until("an automatic revert", SETTLE, () -> history(job),
        h -> h.get(0).getVersion() == 4);
    assertEquals("two", versions.get(0).getSpec().getGroups(0).getEnvMap().get("RELEASE"));
    Await.until("release two running everywhere, stable", SETTLE, () -> history(job).get(0).getStable()
        && tasks(job, false).stream().allMatch(t -> t.getTask().getState() == TaskState.TASK_RUNNING
            && t.getTask().getJobVersion() <= 4 && envOf(t).contains("RELEASE=two")));
    BerthProcess.Result h = cluster.berth("job", "history", job);
    assertEquals(0, h.exit(), h.err());
    assertTrue(h.out().lines().anyMatch(l -> l.startsWith("4 ") && l.contains("yes")), h.out());

    // And by hand: back to release one.
    BerthProcess.Result revert = cluster.berth("job", "revert", job, "1");
    assertEquals(0, revert.exit(), revert.err());
    assertTrue(revert.out().contains("version 5 has the spec of version 1"), revert.out());
    Await.until("release one running everywhere", SETTLE, () -> {
      List<TaskView> ts = tasks(job, false);
      return ts.size() == 2 && ts.stream().allMatch(t -> t.getTask().getState() == TaskState.TASK_RUNNING
          && envOf(t).contains("RELEASE=one"));
    });
    BerthProcess.Result unknown = cluster.berth("job", "revert", job, "99");
    assertEquals(1, unknown.exit());
    assertTrue(unknown.err().contains("has no version 99"), unknown.err());
    assertEquals(0, cluster.berth("job", "stop", job).exit());
  }

  private List<io.berth.proto.JobRecord> history(String job) {
    return cluster.api.jobHistory(io.berth.proto.JobHistoryRequest.newBuilder().setJob(job).build()).getVersionsList();
  }

  private static String envOf(TaskView t) {
    return Docker.run("inspect", "--format", "{{json .Config.Env}}", t.getTask().getContainerId());
  }

  private JobStatusResponse status(String job) {
    return cluster.api.getJobStatus(JobStatusRequest.newBuilder().setJob(job).build());
  }

  private List<TaskView> tasks(String job, boolean all) {
    return cluster.api.listTasks(ListTasksRequest.newBuilder().setJob(job).setAll(all).build()).getTasksList();
  }

  /** Waits until exactly n tasks of the job are desired and running. */
  private List<TaskView> awaitRunning(String job, int n) {
    return Await.until(n + " running tasks of " + job, SETTLE, () -> tasks(job, false),
        ts -> ts.size() == n && ts.stream().allMatch(t -> t.getTask().getState() == TaskState.TASK_RUNNING));
  }
}
