package io.berth.coordinator.scheduler;

import static io.berth.coordinator.scheduler.SchedulerHarness.GIB;
import static io.berth.coordinator.scheduler.SchedulerHarness.job;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.coordinator.state.JobKey;
import io.berth.proto.TaskRecord;
import io.berth.proto.TaskState;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** `berth node drain`: no new work on the node; its service tasks move (new copy first), global tasks stop. */
class DrainTest {

  @Test
  void serviceTasksMoveReplacementFirstThenTheOldCopyStops() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 3);
    JobKey web = h.register(job("web", "service").group("web", 3).staticPort("http", 8080));
    h.evaluate(web);
    h.agentsConverge();
    TaskRecord onN1 = h.live(web).stream().filter(t -> t.getNode().equals("n01")).findFirst().orElseThrow();
    h.ineligible("n01");
    h.node("n04");

    Plan move = h.evaluate(web);
    assertTrue(move.stop().isEmpty(), "the old copy keeps serving until its replacement runs: " + move);
    assertEquals(1, move.place().size());
    TaskRecord replacement = move.place().get(0);
    assertEquals("n04", replacement.getNode(), "not on the drained node, nor next to port 8080 twice");
    assertEquals(onN1.getIndex(), replacement.getIndex());
    assertEquals(onN1.getAttempt(), replacement.getAttempt(), "a move is not a retry");
    assertTrue(replacement.getMessage().contains("node n01 drained"), replacement.getMessage());
    assertTrue(h.plan(web).isEmpty(), "while the replacement starts, nothing more happens");

    h.agentsConverge(); // the replacement runs
    Plan stopOld = h.evaluate(web);
    assertEquals(List.of(onN1.getId()), stopOld.stop());
    assertTrue(stopOld.place().isEmpty());
    h.agentsConverge();
    assertEquals(Map.of("n02", 1L, "n03", 1L, "n04", 1L), h.liveByNode(web));
  }

  @Test
  void withNowhereToGoTheTaskStaysAndStatusSaysWhy() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 2);
    JobKey web = h.register(job("web", "service").group("web", 2).constraint("hostname", "unique", ""));
    h.evaluate(web);
    h.agentsConverge();
    h.ineligible("n01");
    Plan p = h.evaluate(web);
    assertTrue(p.stop().isEmpty() && p.place().isEmpty(), p.toString());
    assertEquals(1, p.failures().size());
    assertTrue(p.failures().get(0).contains("1 ineligible"), p.failures().toString());
    assertEquals(2, h.live(web).size(), "both tasks keep running");
  }

  @Test
  void globalTasksStopOnADrainedNodeAndComeBackWhenEligible() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 3);
    JobKey g = h.register(job("logs", "global").group("shipper", 1));
    h.evaluate(g);
    h.agentsConverge();
    TaskRecord onN2 = h.live(g).stream().filter(t -> t.getNode().equals("n02")).findFirst().orElseThrow();
    h.ineligible("n02");
    Plan p = h.evaluate(g);
    assertEquals(List.of(onN2.getId()), p.stop());
    assertTrue(p.place().isEmpty(), "a global job has no other node for it");
    h.agentsConverge();
    h.evaluate(g);
    h.eligible("n02");
    Plan back = h.evaluate(g);
    assertEquals(List.of("n02"), back.place().stream().map(TaskRecord::getNode).toList());
  }

  @Test
  void batchTasksFinishOnADrainedNodeButNothingNewLandsThere() {
    SchedulerHarness h = new SchedulerHarness().node("a", 4000, 8 * GIB).node("b", 4000, 8 * GIB);
    JobKey b = h.register(job("etl", "batch").group("step", 1).resources(100, GIB));
    h.evaluate(b);
    h.agentsConverge();
    TaskRecord t = h.live(b).get(0);
    h.ineligible(t.getNode());
    assertTrue(h.plan(b).isEmpty(), "the batch task runs to completion where it is");
    JobKey other = h.register(job("more", "batch").group("step", 4).resources(100, GIB));
    Plan p = h.evaluate(other);
    assertFalse(p.place().stream().anyMatch(x -> x.getNode().equals(t.getNode())), p.toString());
    h.exitsNow(t.getId(), 0);
    assertTrue(h.plan(b).isEmpty());
    assertEquals(TaskState.TASK_EXITED, h.task(t.getId()).getState());
  }
}
