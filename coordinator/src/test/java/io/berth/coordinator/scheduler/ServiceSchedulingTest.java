package io.berth.coordinator.scheduler;

import static io.berth.coordinator.scheduler.SchedulerHarness.job;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.coordinator.state.JobKey;
import io.berth.proto.DesiredState;
import io.berth.proto.NodeStatus;
import io.berth.proto.TaskRecord;
import io.berth.proto.TaskState;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ServiceSchedulingTest {

  @Test
  void tenNodesTenTasksOnePerNode() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 10);
    JobKey web = h.register(job("web", "service").group("web", 10).resources(500, 256 * SchedulerHarness.MIB)
        .dynamicPort("http").dynamicPort("admin"));
    Plan p = h.evaluate(web);

    assertEquals(10, p.place().size());
    assertTrue(p.stop().isEmpty());
    assertTrue(p.failures().isEmpty(), p.failures().toString());
    assertEquals(1L, p.jobVersion());
    assertEquals(10, p.place().stream().map(TaskRecord::getNode).distinct().count(), "one per node");
    assertEquals(Set.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
        p.place().stream().map(TaskRecord::getIndex).collect(Collectors.toSet()));
    for (TaskRecord t : p.place()) {
      assertTrue(t.getId().startsWith("web-web-" + t.getIndex() + "-"), t.getId());
      assertEquals("default", t.getNamespace());
      assertEquals(1L, t.getJobVersion());
      assertEquals(h.now(), t.getCreatedAtMs());
      assertEquals(h.now(), t.getUpdatedAtMs());
      assertEquals(2, t.getPortsCount());
      assertNotEquals(t.getPortsOrThrow("http"), t.getPortsOrThrow("admin"));
      assertTrue(t.getPortsOrThrow("http") >= Scheduler.DEFAULT_DYNAMIC_PORT_MIN);
    }
  }

  @Test
  void manyTasksOnFewNodesNeverShareAHostPort() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 2);
    JobKey web = h.register(job("web", "service").group("web", 20).dynamicPort("http").dynamicPort("admin"));
    Plan p = h.evaluate(web);
    assertEquals(20, p.place().size());
    // The harness asserts no (node, port) pair is used twice after each plan; check it here too.
    Set<String> used = new HashSet<>();
    for (TaskRecord t : p.place()) {
      for (int port : t.getPortsMap().values()) {
        assertTrue(used.add(t.getNode() + ":" + port));
      }
    }
    // Spread: 10 each.
    assertEquals(List.of(10L, 10L), List.copyOf(h.liveByNode(web).values()));
  }

  @Test
  void dynamicPortsSkipPortsOfOtherJobs() {
    SchedulerHarness h = new SchedulerHarness(20000, 20003).nodes("n", 1);
    JobKey a = h.register(job("a", "service").group("a", 1).staticPort("x", 20000).dynamicPort("y"));
    h.evaluate(a);
    JobKey b = h.register(job("b", "service").group("b", 3).dynamicPort("p"));
    Plan p = h.evaluate(b);
    assertEquals(2, p.place().size());
    assertEquals(Set.of(20002, 20003),
        p.place().stream().map(t -> t.getPortsOrThrow("p")).collect(Collectors.toSet()));
    assertEquals(List.of("b: 1 of 3 not placed: 1 node evaluated: 1 no free dynamic port in 20000-20003"),
        p.failures());
  }

  @Test
  void satisfiedJobGivesEmptyPlan() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 3);
    JobKey web = h.register(job("web", "service").group("web", 5).resources(100, SchedulerHarness.MIB).dynamicPort("http"));
    assertEquals(5, h.evaluate(web).place().size());
    Plan again = h.plan(web);
    assertTrue(again.isEmpty(), again.toString());
    h.agentsConverge();
    Plan running = h.plan(web);
    assertTrue(running.isEmpty(), running.toString());
    assertTrue(running.failures().isEmpty());
  }

  @Test
  void scaleDownStopsHighestIndexes() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 3);
    JobKey web = h.register(job("web", "service").group("web", 5));
    h.evaluate(web);
    h.agentsConverge();
    h.scale(web, "web", 2);
    Plan p = h.evaluate(web);
    assertTrue(p.place().isEmpty());
    assertEquals(Set.of(2, 3, 4), p.stop().stream().map(id -> h.task(id).getIndex()).collect(Collectors.toSet()));
    assertEquals(Set.of(0, 1), h.live(web).stream().map(TaskRecord::getIndex).collect(Collectors.toSet()));
    assertEquals(2L, p.jobVersion());
  }

  @Test
  void scaleUpPlacesOnlyNewIndexes() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 3);
    JobKey web = h.register(job("web", "service").group("web", 2));
    h.evaluate(web);
    h.scale(web, "web", 4);
    Plan p = h.evaluate(web);
    assertTrue(p.stop().isEmpty());
    assertEquals(List.of(2, 3), p.place().stream().map(TaskRecord::getIndex).toList());
    // Older-version tasks are left running (no rolling update yet).
    assertEquals(2, h.live(web).stream().filter(t -> t.getJobVersion() == 1).count());
  }

  @Test
  void nodeDownReplacesTaskElsewhere() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 3);
    JobKey web = h.register(job("web", "service").group("web", 3).constraint("hostname", "unique", ""));
    h.evaluate(web);
    h.agentsConverge();
    TaskRecord onN2 = h.live(web).stream().filter(t -> t.getNode().equals("n02")).findFirst().orElseThrow();
    h.nodeStatus("n02", NodeStatus.NODE_DOWN);
    h.node("n04");

    Plan p = h.evaluate(web);
    assertEquals(List.of(onN2.getId()), p.stop());
    assertEquals(1, p.place().size());
    TaskRecord replacement = p.place().get(0);
    assertEquals(onN2.getIndex(), replacement.getIndex());
    assertEquals("n04", replacement.getNode());
    assertTrue(replacement.getMessage().contains("replaces " + onN2.getId()), replacement.getMessage());
    assertEquals(DesiredState.DESIRED_STOP, h.task(onN2.getId()).getDesired());
  }

  @Test
  void taskOnMissingNodeIsReplaced() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 2);
    JobKey web = h.register(job("web", "service").group("web", 2));
    h.evaluate(web);
    h.agentsConverge();
    String gone = h.live(web).stream().filter(t -> t.getNode().equals("n01")).findFirst().orElseThrow().getId();
    h.removeNode("n01");
    Plan p = h.evaluate(web);
    assertEquals(List.of(gone), p.stop());
    assertEquals("n02", p.place().get(0).getNode());
  }

  @Test
  void failedTaskReplacedAtSameIndex() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 3);
    JobKey web = h.register(job("web", "service").group("web", 3));
    h.evaluate(web);
    h.agentsConverge();
    TaskRecord victim = h.live(web).get(1);
    h.taskState(victim.getId(), TaskState.TASK_FAILED);

    Plan p = h.evaluate(web);
    assertEquals(List.of(victim.getId()), p.stop());
    assertEquals(1, p.place().size());
    assertEquals(victim.getIndex(), p.place().get(0).getIndex());
    assertTrue(p.place().get(0).getMessage().startsWith("attempt 2, replaces " + victim.getId() + " (failed, exit code "));

    // Next round: the failed one, now desired STOP and terminal, is forgotten.
    h.agentsConverge();
    Plan next = h.evaluate(web);
    assertEquals(List.of(victim.getId()), next.forget());
    assertTrue(next.place().isEmpty() && next.stop().isEmpty());
  }

  @Test
  void exitedServiceTaskIsReplaced() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 1);
    JobKey web = h.register(job("web", "service").group("web", 1));
    h.evaluate(web);
    String id = h.live(web).get(0).getId();
    h.taskState(id, TaskState.TASK_EXITED);
    Plan p = h.evaluate(web);
    assertEquals(List.of(id), p.stop());
    assertEquals(1, p.place().size());
  }

  @Test
  void duplicateLiveTasksKeepTheOldest() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 2);
    JobKey web = h.register(job("web", "service").group("web", 1));
    h.evaluate(web);
    TaskRecord first = h.live(web).get(0);
    TaskRecord younger = first.toBuilder().setId("web-web-0-zzz").setNode("n02").setCreatedAtMs(first.getCreatedAtMs() + 5).build();
    TaskRecord sameAgeHigherId = first.toBuilder().setId(first.getId() + "x").build();
    h.addTask(web, younger).addTask(web, sameAgeHigherId);
    Plan p = h.evaluate(web);
    assertEquals(Set.of(younger.getId(), sameAgeHigherId.getId()), Set.copyOf(p.stop()));
    assertTrue(p.place().isEmpty());
    assertEquals(List.of(first.getId()), h.live(web).stream().map(TaskRecord::getId).toList());
  }

  @Test
  void removedGroupIsStopped() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 2);
    JobKey j = h.register(job("app", "service").group("a", 1).group("b", 1));
    h.evaluate(j);
    h.register(job("app", "service").group("a", 1));
    Plan p = h.evaluate(j);
    assertEquals(1, p.stop().size());
    assertEquals("b", h.task(p.stop().get(0)).getGroup());
  }

  @Test
  void idsComeFromTheGenerator() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 1);
    JobKey web = h.register(job("web", "service").group("g", 2));
    Plan p = h.evaluate(web);
    assertEquals(List.of("web-g-0-00000000", "web-g-1-00000001"), p.place().stream().map(TaskRecord::getId).toList());
  }
}
