package io.berth.coordinator.scheduler;

import static io.berth.coordinator.scheduler.SchedulerHarness.GIB;
import static io.berth.coordinator.scheduler.SchedulerHarness.job;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.coordinator.state.JobKey;
import io.berth.proto.DesiredState;
import io.berth.proto.TaskRecord;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class PreemptionTest {

  /** One node filled by a low-priority batch job (4 tasks of 2 GiB). */
  private static SchedulerHarness fullOfBatch(JobKey[] batch) {
    SchedulerHarness h = new SchedulerHarness().node("n1", 8000, 8 * GIB);
    batch[0] = h.register(job("etl", "batch").priority(10).group("step", 4).resources(500, 2 * GIB));
    h.evaluate(batch[0]);
    h.agentsConverge();
    return h;
  }

  @Test
  void higherPriorityServiceEvictsTheFewestBatchTasks() {
    JobKey[] batch = new JobKey[1];
    SchedulerHarness h = fullOfBatch(batch);
    JobKey web = h.register(job("web", "service").priority(50).group("web", 1).resources(500, 3 * GIB));
    Plan p = h.evaluate(web);

    assertEquals(1, p.place().size());
    assertEquals(2, p.stop().size(), "3 GiB needs two 2 GiB tasks gone");
    for (String id : p.stop()) {
      assertEquals("etl", h.task(id).getJob());
      assertEquals(DesiredState.DESIRED_STOP, h.task(id).getDesired());
    }
    assertEquals(1, p.failures().size());
    String line = p.failures().get(0);
    assertTrue(line.startsWith("preempted on n1 for " + p.place().get(0).getId() + " (priority 50): "), line);
    assertTrue(line.contains("(default/etl, priority 10)"), line);
    assertEquals(2, h.live(batch[0]).size());
  }

  @Test
  void youngestBatchTasksGoFirst() {
    SchedulerHarness h = new SchedulerHarness().node("n1", 8000, 4 * GIB);
    JobKey old = h.register(job("old", "batch").priority(10).group("s", 1).resources(0, 2 * GIB));
    h.evaluate(old);
    JobKey young = h.register(job("young", "batch").priority(10).group("s", 1).resources(0, 2 * GIB));
    h.evaluate(young);
    JobKey web = h.register(job("web", "service").priority(50).group("web", 1).resources(0, GIB));
    Plan p = h.evaluate(web);
    assertEquals(List.of("young"), p.stop().stream().map(id -> h.task(id).getJob()).toList());
  }

  @Test
  void lowerPriorityVictimsAreChosenBeforeHigherOnes() {
    SchedulerHarness h = new SchedulerHarness().node("n1", 8000, 4 * GIB);
    JobKey low = h.register(job("low", "batch").priority(5).group("s", 1).resources(0, 2 * GIB));
    h.evaluate(low);
    JobKey mid = h.register(job("mid", "batch").priority(20).group("s", 1).resources(0, 2 * GIB));
    h.evaluate(mid);
    JobKey web = h.register(job("web", "service").priority(50).group("web", 1).resources(0, GIB));
    assertEquals(List.of("low"), h.evaluate(web).stop().stream().map(id -> h.task(id).getJob()).toList());
  }

  @Test
  void servicesAndEqualPrioritiesAreNeverEvicted() {
    SchedulerHarness h = new SchedulerHarness().node("n1", 8000, 4 * GIB);
    JobKey svc = h.register(job("svc", "service").priority(10).group("s", 1).resources(0, 2 * GIB));
    h.evaluate(svc);
    JobKey same = h.register(job("same", "batch").priority(50).group("s", 1).resources(0, 2 * GIB));
    h.evaluate(same);
    JobKey web = h.register(job("web", "service").priority(50).group("web", 1).resources(0, GIB));
    Plan p = h.evaluate(web);
    assertTrue(p.place().isEmpty());
    assertTrue(p.stop().isEmpty());
    assertEquals(List.of("web: 1 of 1 not placed: 1 node evaluated: 1 exhausted memory"), p.failures());
  }

  @Test
  void staticPortHolderIsEvicted() {
    SchedulerHarness h = new SchedulerHarness().node("n1");
    JobKey b = h.register(job("b", "batch").priority(1).group("s", 1).staticPort("ui", 8080));
    h.evaluate(b);
    JobKey web = h.register(job("web", "service").priority(50).group("web", 1).staticPort("http", 8080));
    Plan p = h.evaluate(web);
    assertEquals(1, p.place().size());
    assertEquals(List.of("b"), p.stop().stream().map(id -> h.task(id).getJob()).toList());
  }

  @Test
  void picksTheNodeNeedingFewestEvictions() {
    SchedulerHarness h = new SchedulerHarness().node("a", 8000, 4 * GIB).node("b", 8000, 4 * GIB);
    JobKey small = h.register(job("small", "batch").priority(1).group("s", 4).resources(0, GIB)
        .constraint("hostname", "=", "a"));
    h.evaluate(small);
    JobKey big = h.register(job("big", "batch").priority(1).group("s", 1).resources(0, 4 * GIB)
        .constraint("hostname", "=", "b"));
    h.evaluate(big);
    JobKey web = h.register(job("web", "service").priority(50).group("web", 1).resources(0, 3 * GIB));
    Plan p = h.evaluate(web);
    assertEquals("b", p.place().get(0).getNode());
    assertEquals(List.of("big"), p.stop().stream().map(id -> h.task(id).getJob()).toList());
  }

  @Test
  void noPreemptionWhenSomethingFits() {
    SchedulerHarness h = new SchedulerHarness().node("a", 8000, 4 * GIB).node("b", 8000, 4 * GIB);
    JobKey b = h.register(job("b", "batch").priority(1).group("s", 1).resources(0, 4 * GIB)
        .constraint("hostname", "=", "a"));
    h.evaluate(b);
    JobKey web = h.register(job("web", "service").priority(50).group("web", 1).resources(0, 3 * GIB));
    Plan p = h.evaluate(web);
    assertEquals("b", p.place().get(0).getNode());
    assertTrue(p.stop().isEmpty());
    assertTrue(p.failures().isEmpty());
  }

  @Test
  void evictedTasksAreReplacedWhenTheirJobIsEvaluated() {
    JobKey[] batch = new JobKey[1];
    SchedulerHarness h = fullOfBatch(batch);
    h.node("n2", 8000, 2 * GIB);
    JobKey web = h.register(job("web", "service").priority(50).group("web", 1).resources(500, 3 * GIB));
    h.evaluate(web);
    h.agentsConverge();
    Plan again = h.evaluate(batch[0]);
    // Two slots lost their tasks: one fits on n2, none on n1 (the service has priority).
    assertEquals(1, again.place().size());
    assertEquals("n2", again.place().get(0).getNode());
    Set<Integer> liveIndexes = h.live(batch[0]).stream().map(TaskRecord::getIndex).collect(Collectors.toSet());
    assertEquals(3, liveIndexes.size());
    assertTrue(again.failures().get(0).startsWith("step: 1 of 2 not placed: 2 nodes evaluated: 2 exhausted memory"),
        again.failures().toString());
  }
}
