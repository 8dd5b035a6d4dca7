package io.berth.coordinator.scheduler;

import static io.berth.coordinator.scheduler.SchedulerHarness.GIB;
import static io.berth.coordinator.scheduler.SchedulerHarness.job;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.coordinator.state.JobKey;
import io.berth.proto.NodeStatus;
import io.berth.proto.TaskRecord;
import io.berth.proto.TaskState;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Job stop, batch completion and retries, global jobs, cron, missing jobs. */
class LifecycleTest {

  @Test
  void jobStopStopsAllThenForgetsFinished() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 3);
    JobKey web = h.register(job("web", "service").group("web", 3).group("side", 1));
    h.evaluate(web);
    h.agentsConverge();
    Set<String> all = h.tasks(web).stream().map(TaskRecord::getId).collect(Collectors.toSet());
    h.stopJob(web);

    Plan stop = h.evaluate(web);
    assertEquals(all, Set.copyOf(stop.stop()));
    assertTrue(stop.place().isEmpty() && stop.forget().isEmpty());

    // Nothing finished yet: nothing more to do.
    assertTrue(h.plan(web).isEmpty());
    h.agentsConverge();
    Plan forget = h.evaluate(web);
    assertEquals(all, Set.copyOf(forget.forget()));
    assertTrue(forget.stop().isEmpty());
    assertTrue(h.tasks(web).isEmpty());
    assertTrue(h.plan(web).isEmpty());
  }

  @Test
  void missingJobPlansNothing() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 1);
    Plan p = h.plan(JobKey.of("default", "ghost"));
    assertTrue(p.isEmpty());
    assertTrue(p.failures().isEmpty());
  }

  @Test
  void unknownTypeIsReported() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 1);
    JobKey c = h.register(job("c", "daemon").group("g", 1));
    Plan p = h.plan(c);
    assertTrue(p.isEmpty());
    assertTrue(p.failures().get(0).startsWith("unknown job type 'daemon'"));
  }

  // ---------------------------------------------------------------- batch

  @Test
  void batchExitedIsCompleteAndKept() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 2);
    JobKey b = h.register(job("etl", "batch").group("step", 2));
    h.evaluate(b);
    h.agentsConverge();
    TaskRecord done = h.live(b).get(0);
    h.taskState(done.getId(), TaskState.TASK_EXITED);
    Plan p = h.evaluate(b);
    assertTrue(p.isEmpty(), p.toString());
    // Still there, as the record of completion.
    assertEquals(TaskState.TASK_EXITED, h.task(done.getId()).getState());
  }

  @Test
  void batchFailedIsRetriedWithAttemptCount() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 1);
    JobKey b = h.register(job("etl", "batch").group("step", 1));
    h.evaluate(b);
    String first = h.live(b).get(0).getId();
    h.taskState(first, TaskState.TASK_FAILED);
    Plan p1 = h.evaluate(b);
    assertEquals(List.of(first), p1.stop());
    TaskRecord second = p1.place().get(0);
    assertEquals(0, second.getIndex());
    assertTrue(second.getMessage().startsWith("attempt 2,"), second.getMessage());
    h.taskState(second.getId(), TaskState.TASK_FAILED);
    Plan p2 = h.evaluate(b);
    assertTrue(p2.place().get(0).getMessage().startsWith("attempt 3,"), p2.place().get(0).getMessage());
    assertEquals(List.of(first), p2.forget());
  }

  @Test
  void batchLostOnDownNodeIsReplaced() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 2);
    JobKey b = h.register(job("etl", "batch").group("step", 1));
    h.evaluate(b);
    TaskRecord t = h.live(b).get(0);
    h.nodeStatus(t.getNode(), NodeStatus.NODE_DOWN);
    Plan p = h.evaluate(b);
    assertEquals(List.of(t.getId()), p.stop());
    assertTrue(!p.place().get(0).getNode().equals(t.getNode()));
  }

  // ---------------------------------------------------------------- global

  @Test
  void globalOnePerReadyNodeAndNewNodesGetOne() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 3).node("d").nodeStatus("d", NodeStatus.NODE_DOWN).node("x")
        .ineligible("x");
    JobKey g = h.register(job("logs", "global").group("shipper", 1).resources(100, GIB).dynamicPort("metrics"));
    Plan p = h.evaluate(g);
    assertEquals(Set.of("n01", "n02", "n03"), p.place().stream().map(TaskRecord::getNode).collect(Collectors.toSet()));
    assertEquals(Set.of(0, 1, 2), p.place().stream().map(TaskRecord::getIndex).collect(Collectors.toSet()));
    assertTrue(p.failures().isEmpty());
    assertTrue(h.plan(g).isEmpty());

    h.node("n04");
    Plan joined = h.evaluate(g);
    assertEquals(1, joined.place().size());
    assertEquals("n04", joined.place().get(0).getNode());
    assertEquals(3, joined.place().get(0).getIndex());
  }

  @Test
  void globalReusesTheLowestFreeIndexAndStopsOnDownNodes() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 3);
    JobKey g = h.register(job("logs", "global").group("shipper", 0));
    h.evaluate(g);
    h.agentsConverge();
    TaskRecord onN1 = h.live(g).stream().filter(t -> t.getNode().equals("n01")).findFirst().orElseThrow();
    h.nodeStatus("n01", NodeStatus.NODE_DOWN);
    Plan p = h.evaluate(g);
    assertEquals(List.of(onN1.getId()), p.stop());
    assertTrue(p.place().isEmpty());
    h.node("n05");
    Plan p2 = h.evaluate(g);
    assertEquals(onN1.getIndex(), p2.place().get(0).getIndex());
  }

  @Test
  void globalRespectsNodeConstraintsSilentlyButReportsExhaustion() {
    SchedulerHarness h = new SchedulerHarness().node("a", 4000, 8 * GIB, "role=worker").node("b", 4000, GIB, "role=worker")
        .node("c", "role=edge");
    JobKey g = h.register(job("agent", "global").group("g", 1).resources(100, 2 * GIB).constraint("role", "=", "worker"));
    Plan p = h.evaluate(g);
    assertEquals(List.of("a"), p.place().stream().map(TaskRecord::getNode).toList());
    assertEquals(List.of("g: 1 of 2 not placed: 1 node evaluated: 1 exhausted memory"), p.failures());
  }

  @Test
  void globalFailedTaskIsReplacedOnItsNode() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 2);
    JobKey g = h.register(job("logs", "global").group("shipper", 1));
    h.evaluate(g);
    TaskRecord t = h.live(g).get(0);
    h.taskState(t.getId(), TaskState.TASK_FAILED);
    Plan p = h.evaluate(g);
    assertEquals(List.of(t.getId()), p.stop());
    assertEquals(t.getNode(), p.place().get(0).getNode());
    assertEquals(t.getIndex(), p.place().get(0).getIndex());
  }
}
