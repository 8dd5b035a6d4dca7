package io.berth.coordinator.scheduler;

import static io.berth.coordinator.scheduler.SchedulerHarness.job;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.coordinator.state.JobKey;
import io.berth.proto.TaskRecord;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Beyond {@link CandidateWindow#FULL_SCAN_UP_TO} nodes a placement looks at a moving window of
 * them: services stay spread, a constraint few nodes meet still finds them, and "no node fits"
 * still means that every node was evaluated.
 */
class LargeClusterPlacementTest {
  private static final int NODES = 1000;

  private static SchedulerHarness cluster() {
    SchedulerHarness h = new SchedulerHarness();
    for (int i = 0; i < NODES; i++) {
      h.node(String.format("n%04d", i), "rack=r" + (i % 10));
    }
    return h;
  }

  @Test
  void aServiceAsLargeAsTheClusterIsSpreadAtMostTwoPerNode() {
    SchedulerHarness h = cluster();
    JobKey web = h.register(job("web", "service").group("web", NODES).resources(10, 1 << 20));
    Plan p = h.evaluate(web);
    assertEquals(NODES, p.place().size());
    Map<String, Long> perNode = p.place().stream().collect(Collectors.groupingBy(TaskRecord::getNode, Collectors.counting()));
    assertTrue(Collections.max(perNode.values()) <= 2, "at most 2 per node: " + Collections.max(perNode.values()));
    assertTrue(perNode.size() >= NODES * 9 / 10, "on most nodes: " + perNode.size());
  }

  @Test
  void aConstraintThatThreeNodesMeetFindsThemWhereverTheyAre() {
    SchedulerHarness h = cluster();
    h.node("special-a", "gpu=yes").node("special-b", "gpu=yes").node("special-c", "gpu=yes");
    JobKey k = h.register(job("k", "service").group("g", 6).constraint("label.gpu", "==", "yes"));
    Plan p = h.evaluate(k);
    assertEquals(6, p.place().size(), p.failures().toString());
    assertEquals(Set.of("special-a", "special-b", "special-c"),
        p.place().stream().map(TaskRecord::getNode).collect(Collectors.toSet()));
  }

  @Test
  void whenNothingFitsEveryNodeWasEvaluated() {
    SchedulerHarness h = cluster();
    JobKey k = h.register(job("k", "service").group("g", 2).constraint("label.rack", "==", "nowhere"));
    Plan p = h.evaluate(k);
    assertTrue(p.place().isEmpty());
    assertEquals(List.of("g: 2 of 2 not placed: " + NODES + " nodes evaluated: " + NODES
        + " failed constraint label.rack == nowhere"), p.failures());
  }

  @Test
  void aSpreadConstraintStaysEvenOverTheRacks() {
    SchedulerHarness h = cluster();
    JobKey web = h.register(job("web", "service").group("web", 200).constraint("rack", "spread", ""));
    Plan p = h.evaluate(web);
    assertEquals(200, p.place().size());
    Map<String, Long> perRack = p.place().stream().collect(Collectors.groupingBy(
        t -> "r" + (Integer.parseInt(t.getNode().substring(1)) % 10), Collectors.counting()));
    assertEquals(10, perRack.size());
    assertTrue(Collections.max(perRack.values()) - Collections.min(perRack.values()) <= 1, perRack.toString());
  }
}
