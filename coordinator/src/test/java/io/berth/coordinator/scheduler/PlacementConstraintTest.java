package io.berth.coordinator.scheduler;

import static io.berth.coordinator.scheduler.SchedulerHarness.job;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.berth.coordinator.state.JobKey;
import io.berth.proto.TaskRecord;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** max_per_node and spread over an attribute. */
class PlacementConstraintTest {

  @Test
  void maxPerNodeCapsTasksOfTheGroupOnANode() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 2);
    JobKey b = h.register(job("b", "batch").group("g", 5).constraint("", "max_per_node", "2"));
    Plan p = h.evaluate(b);
    assertEquals(4, p.place().size());
    assertEquals(Map.of("n01", 2L, "n02", 2L), h.liveByNode(b));
    assertEquals(List.of("g: 1 of 5 not placed: 2 nodes evaluated: 2 failed constraint hostname max_per_node 2"),
        p.failures());
  }

  @Test
  void maxPerNodeCountsTasksAlreadyRunning() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 1);
    JobKey b = h.register(job("b", "service").group("g", 1).constraint("", "max_per_node", "2"));
    h.evaluate(b);
    h.scale(b, "g", 3);
    Plan p = h.evaluate(b);
    assertEquals(1, p.place().size());
    assertEquals(1, p.failures().size());
  }

  @Test
  void maxPerNodeWithBadNumberIsReported() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 1);
    JobKey b = h.register(job("b", "service").group("g", 1).constraint("", "max_per_node", "two"));
    assertEquals(List.of("g: 1 of 1 not placed: 1 node evaluated: 1 failed constraint hostname max_per_node two"
        + " (not a number: 'two')"), h.evaluate(b).failures());
  }

  @Test
  void spreadOverRackBalancesRacksNotNodes() {
    // Rack a has three nodes, rack b one: plain spread would put 3 of 4 on rack a.
    SchedulerHarness h = new SchedulerHarness().node("a1", "rack=a").node("a2", "rack=a").node("a3", "rack=a")
        .node("b1", "rack=b");
    JobKey web = h.register(job("web", "service").group("web", 4).constraint("rack", "spread", ""));
    Plan p = h.evaluate(web);
    Map<String, Long> byRack = p.place().stream()
        .collect(Collectors.groupingBy(t -> t.getNode().substring(0, 1), TreeMap::new, Collectors.counting()));
    assertEquals(Map.of("a", 2L, "b", 2L), byRack);
    // Within rack a, the usual spread still applies: two different nodes.
    assertEquals(2, p.place().stream().filter(t -> t.getNode().startsWith("a")).map(TaskRecord::getNode).distinct().count());
  }

  @Test
  void spreadCountsExistingTasksAndNodesWithoutTheLabelComeLast() {
    SchedulerHarness h = new SchedulerHarness().node("a1", "zone=x").node("b1", "zone=y").node("nolabel");
    JobKey web = h.register(job("web", "service").group("web", 1).constraint("zone", "spread", ""));
    h.evaluate(web);
    assertEquals(List.of("a1"), h.live(web).stream().map(TaskRecord::getNode).toList());
    h.scale(web, "web", 3);
    Plan p = h.evaluate(web);
    // Zone y is empty so it goes first; then x and y tie and the name decides; the unlabelled
    // node is used only when no labelled node fits.
    assertEquals(List.of("b1", "a1"), p.place().stream().map(TaskRecord::getNode).toList());
  }

  @Test
  void spreadWorksWithBinPack() {
    SchedulerHarness h = new SchedulerHarness().node("a1", "rack=a").node("a2", "rack=a").node("b1", "rack=b");
    JobKey b = h.register(job("b", "batch").group("g", 2).resources(0, SchedulerHarness.GIB).constraint("rack", "spread", ""));
    Plan p = h.evaluate(b);
    assertEquals(List.of("a1", "b1"), p.place().stream().map(TaskRecord::getNode).sorted().toList());
  }
}
