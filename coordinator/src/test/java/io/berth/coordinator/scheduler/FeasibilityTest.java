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

class FeasibilityTest {

  private static Set<String> nodesOf(Plan p) {
    return p.place().stream().map(TaskRecord::getNode).collect(Collectors.toSet());
  }

  @Test
  void staticPortConflictAcrossJobsLimitsToFreeNodes() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 4);
    JobKey spark = h.register(job("spark", "service").group("master", 2).staticPort("rpc", 7077));
    assertEquals(2, h.evaluate(spark).place().size());
    JobKey other = h.register(job("other", "service").group("m", 4).staticPort("rpc", 7077));
    Plan p = h.evaluate(other);
    assertEquals(2, p.place().size());
    // After the two placements every node has 7077 taken.
    assertEquals(List.of("m: 2 of 4 not placed: 4 nodes evaluated: 4 port 7077 in use"), p.failures());
  }

  @Test
  void staticPortWithinOneJobOnlyAsManyAsNodes() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 3);
    JobKey j = h.register(job("spark", "service").group("master", 5).staticPort("rpc", 7077).dynamicPort("ui"));
    Plan p = h.evaluate(j);
    assertEquals(3, p.place().size());
    assertEquals(3, nodesOf(p).size());
    assertEquals(List.of("master: 2 of 5 not placed: 3 nodes evaluated: 3 port 7077 in use"), p.failures());
  }

  @Test
  void stoppedTasksFreeTheirPortsInTheSamePlan() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 1);
    JobKey j = h.register(job("spark", "service").group("master", 1).staticPort("rpc", 7077));
    h.evaluate(j);
    h.agentsConverge();
    h.taskState(h.live(j).get(0).getId(), TaskState.TASK_FAILED);
    // The failed task is still desired RUN, so it holds its port until this plan stops it.
    Plan p = h.evaluate(j);
    assertEquals(1, p.stop().size());
    assertEquals(1, p.place().size());
    assertEquals(7077, p.place().get(0).getPortsOrThrow("rpc"));
  }

  @Test
  void memoryExhaustionIsCounted() {
    SchedulerHarness h = new SchedulerHarness().node("big", 8000, 16 * GIB).node("small1", 8000, 2 * GIB)
        .node("small2", 8000, 2 * GIB).node("down", 8000, 64 * GIB).nodeStatus("down", NodeStatus.NODE_DOWN);
    JobKey j = h.register(job("db", "service").group("db", 5).resources(100, 4 * GIB));
    Plan p = h.evaluate(j);
    assertEquals(4, p.place().size());
    assertEquals(Set.of("big"), nodesOf(p));
    assertEquals(List.of("db: 1 of 5 not placed: 4 nodes evaluated: 3 exhausted memory, 1 not ready"), p.failures());
  }

  @Test
  void cpuExhaustionIsCounted() {
    SchedulerHarness h = new SchedulerHarness().node("a", 1000, 8 * GIB).node("b", 1500, 8 * GIB);
    JobKey j = h.register(job("calc", "service").group("w", 4).resources(700, GIB));
    Plan p = h.evaluate(j);
    assertEquals(3, p.place().size()); // 1 on a, 2 on b
    assertEquals(List.of("w: 1 of 4 not placed: 2 nodes evaluated: 2 exhausted cpu"), p.failures());
  }

  @Test
  void otherJobsReservationsCount() {
    SchedulerHarness h = new SchedulerHarness().node("a", 4000, 4 * GIB);
    JobKey first = h.register(job("first", "service").group("g", 1).resources(0, 3 * GIB));
    h.evaluate(first);
    JobKey second = h.register(job("second", "service").group("g", 1).resources(0, 2 * GIB));
    Plan p = h.evaluate(second);
    assertTrue(p.place().isEmpty());
    assertEquals(List.of("g: 1 of 1 not placed: 1 node evaluated: 1 exhausted memory"), p.failures());
    // Once the first job stops, the memory is free for the second.
    h.stopJob(first);
    h.evaluate(first);
    assertEquals(1, h.evaluate(second).place().size());
  }

  @Test
  void zeroRequestedIsNoRequirement() {
    SchedulerHarness h = new SchedulerHarness().node("tiny", 0, 0);
    JobKey j = h.register(job("j", "service").group("g", 3));
    assertEquals(3, h.evaluate(j).place().size());
  }

  @Test
  void ineligibleAndUnhealthyNodesTakeNoWork() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 3).ineligible("n01").nodeStatus("n02", NodeStatus.NODE_UNHEALTHY);
    JobKey j = h.register(job("j", "service").group("g", 2).constraint("", "distinct_hosts", ""));
    Plan p = h.evaluate(j);
    assertEquals(Set.of("n03"), nodesOf(p));
    assertEquals(List.of("g: 1 of 2 not placed: 3 nodes evaluated: 1 failed constraint hostname distinct_hosts, 1 ineligible, 1 not ready"),
        p.failures());
  }

  // ---------------------------------------------------------------- constraints

  private static SchedulerHarness racks() {
    return new SchedulerHarness().node("a1", "rack=a", "disk=ssd").node("a2", "rack=a").node("b1", "rack=b", "disk=hdd")
        .node("c1", "rack=c");
  }

  @Test
  void equalsOnLabel() {
    SchedulerHarness h = racks();
    JobKey j = h.register(job("j", "service").group("g", 3).constraint("rack", "=", "b"));
    Plan p = h.evaluate(j);
    assertEquals(Set.of("b1"), nodesOf(p));
    assertEquals(3, p.place().size());
    JobKey k = h.register(job("k", "service").group("g", 1).constraint("label.rack", "==", "z"));
    assertEquals(List.of("g: 1 of 1 not placed: 4 nodes evaluated: 4 failed constraint label.rack == z"),
        h.evaluate(k).failures());
  }

  @Test
  void notEquals() {
    SchedulerHarness h = racks();
    JobKey j = h.register(job("j", "service").group("g", 4).constraint("rack", "!=", "a"));
    assertEquals(Set.of("b1", "c1"), nodesOf(h.evaluate(j)));
    // A node without the attribute is "not equal".
    JobKey k = h.register(job("k", "service").group("g", 4).constraint("disk", "!=", "ssd"));
    assertEquals(Set.of("a2", "b1", "c1"), nodesOf(h.evaluate(k)));
  }

  @Test
  void regexOnHostnameAndAddress() {
    SchedulerHarness h = racks();
    JobKey j = h.register(job("j", "service").group("g", 4).constraint("hostname", "regex", "^a\\d$"));
    assertEquals(Set.of("a1", "a2"), nodesOf(h.evaluate(j)));
    JobKey k = h.register(job("k", "service").group("g", 2).constraint("address", "regex", "\\.3$"));
    assertEquals(Set.of("b1"), nodesOf(h.evaluate(k)));
  }

  @Test
  void inSet() {
    SchedulerHarness h = racks();
    JobKey j = h.register(job("j", "service").group("g", 8).constraint("rack", "in", "b, c"));
    Plan p = h.evaluate(j);
    assertEquals(Set.of("b1", "c1"), nodesOf(p));
    assertEquals(8, p.place().size());
  }

  @Test
  void uniqueHostname() {
    SchedulerHarness h = racks();
    JobKey j = h.register(job("j", "service").group("g", 6).constraint("hostname", "unique", ""));
    Plan p = h.evaluate(j);
    assertEquals(4, p.place().size());
    assertEquals(4, nodesOf(p).size());
    assertEquals(List.of("g: 2 of 6 not placed: 4 nodes evaluated: 4 failed constraint hostname unique"), p.failures());
    // Other groups of the same job are not affected by it.
    h.register(job("j", "service").group("g", 6).constraint("hostname", "unique", "").group("other", 2));
    assertEquals(2, h.evaluate(j).place().stream().filter(t -> t.getGroup().equals("other")).count());
  }

  @Test
  void uniqueOnALabelSpreadsOverItsValues() {
    SchedulerHarness h = racks();
    JobKey j = h.register(job("j", "service").group("g", 4).constraint("rack", "unique", ""));
    Plan p = h.evaluate(j);
    assertEquals(3, p.place().size());
    assertEquals(Set.of("a", "b", "c"), p.place().stream().map(t -> t.getNode().substring(0, 1)).collect(Collectors.toSet()));
  }

  @Test
  void unknownOperatorIsInfeasibleWithReason() {
    SchedulerHarness h = racks();
    JobKey j = h.register(job("j", "service").group("g", 1).constraint("rack", "~~", "a"));
    Plan p = h.evaluate(j);
    assertTrue(p.place().isEmpty());
    assertEquals(List.of("g: 1 of 1 not placed: 4 nodes evaluated: 4 failed constraint rack ~~ a (unknown operator '~~')"),
        p.failures());
  }

  @Test
  void badRegexIsInfeasibleWithReason() {
    SchedulerHarness h = racks();
    JobKey j = h.register(job("j", "service").group("g", 1).constraint("rack", "regex", "(("));
    Plan p = h.evaluate(j);
    assertTrue(p.failures().get(0).contains("failed constraint rack regex (( (bad regex"), p.failures().toString());
  }
}
