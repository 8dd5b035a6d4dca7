package io.berth.coordinator.scheduler;

import static io.berth.coordinator.scheduler.SchedulerHarness.GIB;
import static io.berth.coordinator.scheduler.SchedulerHarness.job;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.coordinator.state.JobKey;
import io.berth.proto.DesiredState;
import io.berth.proto.NodeStatus;
import io.berth.proto.TaskRecord;
import io.berth.proto.TaskState;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Multi-step stories through the harness: each step evaluates, applies, and lets agents converge. */
class ScenarioTest {

  @Test
  void nodeLossAndReturn() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 10);
    JobKey spark = h.register(job("spark", "service")
        .group("master", 1).resources(500, GIB).staticPort("rpc", 7077).dynamicPort("ui")
        .group("worker", 10).resources(1000, 2 * GIB).dynamicPort("ui").constraint("hostname", "unique", ""));
    Plan first = h.evaluate(spark);
    assertEquals(11, first.place().size());
    assertTrue(first.failures().isEmpty());
    h.agentsConverge();

    String masterNode = h.live(spark).stream().filter(t -> t.getGroup().equals("master")).findFirst().orElseThrow().getNode();
    h.nodeStatus(masterNode, NodeStatus.NODE_DOWN);
    Plan afterLoss = h.evaluate(spark);
    // The master moves; the worker slot on the lost node has nowhere to go (unique, 9 nodes left).
    assertEquals(2, afterLoss.stop().size());
    assertEquals(List.of("master"), afterLoss.place().stream().map(TaskRecord::getGroup).toList());
    assertEquals(List.of("worker: 1 of 1 not placed: 10 nodes evaluated: 9 failed constraint hostname unique, 1 not ready"),
        afterLoss.failures());
    h.agentsConverge();

    // The node comes back: the worker slot is filled there; the old copies stay stopped.
    h.nodeStatus(masterNode, NodeStatus.NODE_READY);
    Plan back = h.evaluate(spark);
    assertEquals(1, back.place().size());
    assertEquals(masterNode, back.place().get(0).getNode());
    assertTrue(back.stop().isEmpty());
    // The tasks stopped while the node was gone are reported stopped once its agent is back.
    h.agentsConverge();
    Plan cleanup = h.evaluate(spark);
    assertEquals(2, cleanup.forget().size());
    assertTrue(h.plan(spark).isEmpty());
    assertEquals(11, h.live(spark).size());
  }

  @Test
  void lostTasksAreForgottenOnceStopped() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 2);
    JobKey web = h.register(job("web", "service").group("web", 1));
    h.evaluate(web);
    TaskRecord t = h.live(web).get(0);
    h.taskState(t.getId(), TaskState.TASK_LOST);
    Plan p = h.evaluate(web);
    assertEquals(List.of(t.getId()), p.stop());
    assertEquals(DesiredState.DESIRED_STOP, h.task(t.getId()).getDesired());
    Plan q = h.evaluate(web);
    assertEquals(List.of(t.getId()), q.forget());
  }

  @Test
  void twoJobsShareTheClusterWithoutPortOrMemoryOvercommit() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 4);
    JobKey a = h.register(job("a", "service").group("g", 12).resources(1000, GIB).dynamicPort("p"));
    JobKey b = h.register(job("b", "batch").group("g", 12).resources(1000, GIB).dynamicPort("p"));
    Plan pa = h.evaluate(a);
    Plan pb = h.evaluate(b);
    // 4 nodes x 4 cpus = 16 slots of 1000m.
    assertEquals(12, pa.place().size());
    assertEquals(4, pb.place().size());
    assertEquals(List.of("g: 8 of 12 not placed: 4 nodes evaluated: 4 exhausted cpu"), pb.failures());
    Set<String> nodePorts = h.snapshot().allTasks().stream()
        .map(t -> t.getNode() + ":" + t.getPortsOrThrow("p")).collect(Collectors.toSet());
    assertEquals(16, nodePorts.size());
  }
}
