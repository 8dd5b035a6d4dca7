package io.berth.coordinator.scheduler;

import static io.berth.coordinator.scheduler.SchedulerHarness.GIB;
import static io.berth.coordinator.scheduler.SchedulerHarness.job;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.berth.coordinator.state.JobKey;
import io.berth.proto.TaskRecord;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RankingTest {

  /** Two nodes, one roomy and one nearly full: spread picks the roomy one, bin-pack the full one. */
  @Test
  void binPackAndSpreadChooseDifferentNodes() {
    SchedulerHarness h = new SchedulerHarness().node("roomy", 8000, 16 * GIB).node("tight", 8000, 3 * GIB);
    JobKey svc = h.register(job("svc", "service").group("g", 1).resources(100, 2 * GIB));
    JobKey bat = h.register(job("bat", "batch").group("g", 1).resources(100, 2 * GIB));
    assertEquals("roomy", h.plan(svc).place().get(0).getNode());
    assertEquals("tight", h.plan(bat).place().get(0).getNode());
  }

  @Test
  void binPackFillsOneNodeBeforeTheNext() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 3);
    JobKey bat = h.register(job("bat", "batch").group("g", 6).resources(100, 2 * GIB));
    h.evaluate(bat);
    assertEquals(Map.of("n01", 4L, "n02", 2L), h.liveByNode(bat));
  }

  @Test
  void spreadPrefersFewestTasksOfTheJobThenMostFreeMemory() {
    SchedulerHarness h = new SchedulerHarness().node("a", 8000, 4 * GIB).node("b", 8000, 8 * GIB).node("c", 8000, 6 * GIB);
    JobKey svc = h.register(job("svc", "service").group("g", 4).resources(100, GIB));
    Plan p = h.evaluate(svc);
    assertEquals(List.of("b", "c", "a", "b"), p.place().stream().map(TaskRecord::getNode).toList());
  }

  @Test
  void sameInputSamePlan() {
    Plan first = null;
    for (int i = 0; i < 3; i++) {
      SchedulerHarness h = new SchedulerHarness().nodes("n", 7);
      JobKey svc = h.register(job("svc", "service").group("g", 20).resources(300, GIB).dynamicPort("p"));
      Plan p = h.plan(svc);
      if (first == null) {
        first = p;
      } else {
        assertEquals(first, p);
      }
    }
  }
}
