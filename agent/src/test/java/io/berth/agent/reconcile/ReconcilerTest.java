package io.berth.agent.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.agent.runtime.ContainerInfo;
import io.berth.agent.runtime.ContainerPhase;
import io.berth.agent.runtime.RuntimeUnavailableException;
import io.berth.agent.testing.FakeContainerRuntime;
import io.berth.proto.ContainerSpec;
import io.berth.proto.TaskState;
import io.berth.proto.TaskStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ReconcilerTest {

  private final FakeContainerRuntime runtime = new FakeContainerRuntime("h1");
  private final List<TaskStatus> reports = new ArrayList<>();
  private final AtomicLong clock = new AtomicLong(1_000);
  private final Reconciler reconciler = new Reconciler(runtime, reports::addAll, clock::get);

  private static ContainerSpec busybox() {
    return ContainerSpec.newBuilder().setImage("lab/busybox:1").addCommand("sleep")
        .addCommand("1000").build();
  }

  private List<TaskState> statesOf(String taskId) {
    return reports.stream().filter(s -> s.getTaskId().equals(taskId))
        .map(TaskStatus::getState).toList();
  }

  @Test
  void createsAndStartsADesiredTaskAndReportsItRunning() {
    reconciler.setDesired(Map.of("t1", busybox()));

    List<ContainerInfo> containers = runtime.containersOf("t1");
    assertEquals(1, containers.size());
    assertEquals(ContainerPhase.RUNNING, containers.get(0).phase());
    // Created and started within one launch: reported as what it is by then, not STARTING first.
    assertEquals(List.of(TaskState.TASK_RUNNING), statesOf("t1"));
    assertEquals(containers.get(0).containerId(), reports.get(0).getContainerId());
    assertEquals(1_000, reports.get(0).getAtMs());
    assertEquals(List.of(containers.get(0).containerId()),
        reconciler.containerOf("t1").stream().toList());
  }

  @Test
  void aNodeGivenManyTasksReportsThemAllInOneMessage() {
    List<List<TaskStatus>> messages = new ArrayList<>();
    Reconciler r = new Reconciler(runtime, changes -> messages.add(List.copyOf(changes)), clock::get);
    Map<String, ContainerSpec> tasks = new java.util.TreeMap<>();
    for (int i = 0; i < 100; i++) {
      tasks.put("t" + i, busybox());
    }
    r.setDesired(tasks);

    assertEquals(100, runtime.count("start"));
    assertEquals(1, messages.size(), "launches done together are reported together");
    assertEquals(100, messages.get(0).size());
    assertTrue(messages.get(0).stream().allMatch(s -> s.getState() == TaskState.TASK_RUNNING));
  }

  @Test
  void neverCreatesASecondContainerForATaskWhateverItsState() {
    for (ContainerPhase phase : List.of(ContainerPhase.RUNNING, ContainerPhase.EXITED,
        ContainerPhase.DEAD, ContainerPhase.PAUSED)) {
      FakeContainerRuntime rt = new FakeContainerRuntime();
      Reconciler r = new Reconciler(rt, changes -> {});
      rt.put("t1", phase, phase == ContainerPhase.EXITED ? 1 : 0);
      r.resync();
      r.setDesired(Map.of("t1", busybox()));
      r.setDesired(Map.of("t1", busybox()));
      r.resync();
      assertEquals(0, rt.count("create"), "no create for a task in " + phase);
      assertEquals(1, rt.containersOf("t1").size(), phase.toString());
    }
  }

  @Test
  void repeatedAssignmentsDoNotRecreateOrReReport() {
    reconciler.setDesired(Map.of("t1", busybox()));
    int reported = reports.size();
    reconciler.setDesired(Map.of("t1", busybox()));
    reconciler.resync();
    assertEquals(1, runtime.count("create"));
    assertEquals(1, runtime.count("start"));
    assertEquals(reported, reports.size(), "no new reports without a state change");
  }

  @Test
  void stopsAndRemovesAContainerWhoseTaskIsNotDesiredAndReportsStopped() {
    ContainerInfo stray = runtime.put("old", ContainerPhase.RUNNING, 0);
    reconciler.resync();
    reconciler.setDesired(Map.of("t1", busybox()));

    assertTrue(runtime.containersOf("old").isEmpty(), "undesired container removed");
    assertTrue(runtime.calls().contains("remove " + stray.containerId()));
    TaskStatus last = reports.stream().filter(s -> s.getTaskId().equals("old"))
        .reduce((a, b) -> b).orElseThrow();
    assertEquals(TaskState.TASK_STOPPED, last.getState());
    assertEquals(stray.containerId(), last.getContainerId());
    assertEquals(1, runtime.containersOf("t1").size());
  }

  @Test
  void removesSeveralUndesiredContainersTogetherOnAnExecutor() throws Exception {
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
    try {
      Reconciler r = new Reconciler(runtime, reports::addAll, clock::get, pool);
      for (String t : List.of("a", "b", "c")) {
        runtime.put(t, ContainerPhase.RUNNING, 0);
      }
      r.resync();
      r.setDesired(Map.of());
      assertTrue(runtime.containers().isEmpty());
      assertEquals(3, reports.stream().filter(s -> s.getState() == TaskState.TASK_STOPPED).count());
      assertTrue(r.statuses().isEmpty());
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void removesNothingBeforeTheFirstDesiredSetArrives() {
    runtime.put("adopted", ContainerPhase.RUNNING, 0);
    reconciler.resync();
    reconciler.resync();

    assertEquals(0, runtime.count("remove"));
    assertEquals(List.of(TaskState.TASK_RUNNING), statesOf("adopted"));
    assertEquals(1, reconciler.statuses().size());
  }

  @Test
  void exitedContainersStayUntilTheirTaskLeavesTheDesiredSet() {
    reconciler.setDesired(Map.of("ok", busybox(), "bad", busybox()));
    String ok = runtime.containersOf("ok").get(0).containerId();
    String bad = runtime.containersOf("bad").get(0).containerId();

    runtime.exit(ok, 0);
    reconciler.containerChanged(ok);
    runtime.exit(bad, 3);
    reconciler.containerChanged(bad);
    reconciler.setDesired(Map.of("ok", busybox(), "bad", busybox()));
    reconciler.resync();

    assertEquals(2, runtime.containers().size(), "exited containers kept");
    assertEquals(2, runtime.count("create"), "and not restarted");
    TaskStatus okStatus = last("ok");
    assertEquals(TaskState.TASK_EXITED, okStatus.getState());
    assertEquals(0, okStatus.getExitCode());
    TaskStatus badStatus = last("bad");
    assertEquals(TaskState.TASK_FAILED, badStatus.getState());
    assertEquals(3, badStatus.getExitCode());
    assertTrue(badStatus.getMessage().contains("exited with code 3"), badStatus.getMessage());

    int before = reports.size();
    reconciler.setDesired(Map.of());
    assertTrue(runtime.containers().isEmpty(), "removed once no longer desired");
    assertEquals(before, reports.size(), "an exited task is not reported as stopped");
  }

  @Test
  void aMissingImageFailsTheTaskOnceWithAClearMessage() {
    ContainerSpec spec = ContainerSpec.newBuilder().setImage("lab/x:1").build();
    reconciler.setDesired(Map.of("t1", spec));
    reconciler.resync();
    reconciler.setDesired(Map.of("t1", spec));

    assertEquals(1, runtime.count("create"), "not retried");
    assertEquals(List.of(TaskState.TASK_FAILED), statesOf("t1"));
    assertEquals("image lab/x:1 is not present on node h1 (no registry is reachable: load or "
        + "import it)", reports.get(0).getMessage());
    assertEquals(TaskState.TASK_FAILED, reconciler.statuses().get(0).getState());
  }

  @Test
  void aContainerThatCannotStartFailsAndIsNeitherRestartedNorRecreated() {
    runtime.addImage("lab/broken:1");
    runtime.failStartsOf("lab/broken:1");
    ContainerSpec spec = ContainerSpec.newBuilder().setImage("lab/broken:1").build();
    reconciler.setDesired(Map.of("t1", spec));
    reconciler.resync();

    assertEquals(1, runtime.count("create"));
    assertEquals(1, runtime.count("start"));
    assertEquals(List.of(TaskState.TASK_FAILED), statesOf("t1"));
    assertTrue(last("t1").getMessage().contains("no such file"), last("t1").getMessage());
  }

  @Test
  void aCreatedButNeverStartedContainerIsStartedNotRecreated() {
    ContainerInfo created = runtime.put("t1", ContainerPhase.CREATED, 0);
    reconciler.resync();
    reconciler.setDesired(Map.of("t1", busybox()));

    assertEquals(0, runtime.count("create"));
    assertEquals(List.of("start " + created.containerId()),
        runtime.calls().stream().filter(c -> c.startsWith("start")).toList());
    assertEquals(TaskState.TASK_RUNNING, last("t1").getState());
  }

  @Test
  void eventsRepeatingTheAgentsOwnCreateAndStartCostNoInspectButADeathIsLookedAt() {
    reconciler.setDesired(Map.of("t1", busybox()));
    String id = runtime.containersOf("t1").get(0).containerId();
    long inspects = runtime.count("inspect");

    reconciler.containersChanged(Map.of(id, java.util.Set.of("create", "start")));
    assertEquals(inspects, runtime.count("inspect"), "create and start of a container seen running");

    runtime.exit(id, 3);
    reconciler.containersChanged(Map.of(id, java.util.Set.of("start", "die")));
    assertEquals(inspects + 1, runtime.count("inspect"), "one look for the burst");
    assertEquals(TaskState.TASK_FAILED, last("t1").getState());
    assertEquals(3, last("t1").getExitCode());
  }

  @Test
  void aStartEventOfAContainerNotSeenRunningIsLookedAt() {
    ContainerInfo created = runtime.put("t1", ContainerPhase.CREATED, 0);
    reconciler.resync();
    runtime.startExternally(created.containerId());
    reconciler.containersChanged(Map.of(created.containerId(), java.util.Set.of("start")));
    assertEquals(1, runtime.count("inspect " + created.containerId()));
    assertEquals(TaskState.TASK_RUNNING, reconciler.statuses().get(0).getState());
  }

  @Test
  void aContainerRemovedBehindOurBackFailsTheTaskInsteadOfRerunningIt() {
    reconciler.setDesired(Map.of("t1", busybox()));
    String id = runtime.containersOf("t1").get(0).containerId();
    runtime.removeExternally(id);
    reconciler.containerChanged(id);
    reconciler.resync();

    assertEquals(1, runtime.count("create"));
    assertEquals(TaskState.TASK_FAILED, last("t1").getState());
    assertTrue(last("t1").getMessage().contains("removed outside Berth"));
  }

  @Test
  void aRuntimeOutageAbortsThePassButForgetsNothing() {
    reconciler.setDesired(Map.of("t1", busybox()));
    runtime.setDown(true);

    assertThrows(RuntimeUnavailableException.class, reconciler::resync);
    assertThrows(RuntimeUnavailableException.class,
        () -> reconciler.setDesired(Map.of("t1", busybox(), "t2", busybox())));
    assertEquals(TaskState.TASK_RUNNING, reconciler.statuses().get(0).getState(),
        "what was known is still known");

    runtime.setDown(false);
    reconciler.resync();
    assertEquals(1, runtime.containersOf("t1").size());
    assertEquals(1, runtime.containersOf("t2").size(), "the pending task is created afterwards");
  }

  @Test
  void aRunningTaskWithACheckIsWatchedAndItsVerdictsReportedUntilItStops() {
    List<Map<String, io.berth.agent.health.CheckTarget>> watched = new ArrayList<>();
    reconciler.withHealthChecks(watched::add);
    ContainerSpec checked = busybox().toBuilder().setHealthCheck(io.berth.proto.HealthCheck.newBuilder()
        .setType("command").addCommand("true").setTimeoutMs(1000)).build();
    reconciler.setDesired(Map.of("t1", checked, "t2", busybox()));

    assertEquals(io.berth.proto.TaskHealth.HEALTH_UNKNOWN, last("t1").getHealth(), "running, not checked yet");
    assertEquals(io.berth.proto.TaskHealth.HEALTH_NONE, last("t2").getHealth(), "no check");
    Map<String, io.berth.agent.health.CheckTarget> targets = watched.get(watched.size() - 1);
    assertEquals(java.util.Set.of("t1"), targets.keySet());
    String container = runtime.containersOf("t1").get(0).containerId();
    assertEquals(container, targets.get("t1").containerId());

    reconciler.healthChanged("t1", container, io.berth.proto.TaskHealth.HEALTH_UNHEALTHY, "exit 1: no");
    assertEquals(TaskState.TASK_RUNNING, last("t1").getState());
    assertEquals(io.berth.proto.TaskHealth.HEALTH_UNHEALTHY, last("t1").getHealth());
    assertEquals("exit 1: no", last("t1").getHealthOutput());
    int reported = reports.size();
    reconciler.healthChanged("t1", "some-older-container", io.berth.proto.TaskHealth.HEALTH_HEALTHY, "ok");
    assertEquals(reported, reports.size(), "a verdict about another container is ignored");

    runtime.exit(container, 137);
    reconciler.containerChanged(container);
    assertEquals(TaskState.TASK_FAILED, last("t1").getState());
    assertEquals(io.berth.proto.TaskHealth.HEALTH_NONE, last("t1").getHealth());
    assertTrue(watched.get(watched.size() - 1).isEmpty(), "an exited task is no longer checked");
  }

  @Test
  void aCheckAddedToARunningTasksAssignmentIsReportedAndOnlyTheTasksThatChangedAre() {
    ContainerSpec checked = busybox().toBuilder().setHealthCheck(io.berth.proto.HealthCheck.newBuilder()
        .setType("command").addCommand("true").setTimeoutMs(1000)).build();
    reconciler.setDesired(Map.of("t1", busybox(), "t2", busybox()));
    assertEquals(io.berth.proto.TaskHealth.HEALTH_NONE, last("t1").getHealth());
    int before = reports.size();

    // The same containers; only t1's assignment gains a check: its status changes, t2's does not.
    reconciler.setDesired(Map.of("t1", checked, "t2", busybox()));
    assertEquals(before + 1, reports.size(), "one report, for the task whose status changed");
    assertEquals("t1", reports.get(reports.size() - 1).getTaskId());
    assertEquals(io.berth.proto.TaskHealth.HEALTH_UNKNOWN, last("t1").getHealth());
    assertEquals(2, runtime.count("create"), "no container was made again");

    reconciler.setDesired(Map.of("t1", busybox(), "t2", busybox()));
    assertEquals(io.berth.proto.TaskHealth.HEALTH_NONE, last("t1").getHealth(), "the check went: no health");
    assertEquals(before + 2, reports.size());
  }

  @Test
  void aDeadContainersRemovalDoesNotHoldUpTheCreateOfItsReplacement() throws Exception {
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
    java.util.concurrent.ExecutorService caller = java.util.concurrent.Executors.newSingleThreadExecutor();
    try {
      Reconciler r = new Reconciler(runtime, reports::addAll, clock::get, pool);
      r.setDesired(Map.of("t1", busybox()));
      String killed = runtime.containersOf("t1").get(0).containerId();
      runtime.exit(killed, 137);
      r.containerChanged(killed);
      java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(1);
      runtime.holdRemovals(gate);

      java.util.concurrent.Future<?> pass = caller.submit(() -> r.setDesired(Map.of("t2", busybox())));
      io.berth.agent.testing.Await.until(java.time.Duration.ofSeconds(5), () -> runtime.containersOf("t2").stream()
          .anyMatch(c -> c.phase() == ContainerPhase.RUNNING), "the replacement running while the removal hangs");
      assertEquals(1, runtime.containersOf("t1").size(), "the dead container is still being removed");
      gate.countDown();
      pass.get(5, java.util.concurrent.TimeUnit.SECONDS);
      assertTrue(runtime.containersOf("t1").isEmpty());
    } finally {
      pool.shutdownNow();
      caller.shutdownNow();
    }
  }

  @Test
  void aLiveContainerIsRemovedBeforeAnyCreate() throws Exception {
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
    try {
      Reconciler r = new Reconciler(runtime, reports::addAll, clock::get, pool);
      r.setDesired(Map.of("t1", busybox()));
      String running = runtime.containersOf("t1").get(0).containerId();
      r.setDesired(Map.of("t2", busybox()));
      List<String> calls = runtime.calls();
      int removed = calls.indexOf("remove " + running);
      int created = calls.indexOf(calls.stream().filter(c -> c.startsWith("create t2")).findFirst().orElseThrow());
      assertTrue(removed >= 0 && removed < created, "it may hold the ports the new task needs: " + calls);
    } finally {
      pool.shutdownNow();
    }
  }

  private TaskStatus last(String taskId) {
    return reports.stream().filter(s -> s.getTaskId().equals(taskId)).reduce((a, b) -> b)
        .orElseThrow(() -> new AssertionError("no report for " + taskId));
  }
}
