package io.berth.coordinator.scheduler;

import static io.berth.coordinator.scheduler.SchedulerHarness.job;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.coordinator.state.JobKey;
import io.berth.proto.TaskRecord;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** A changed service spec rolls its tasks in batches; a failed update reverts to the last stable version. */
class RollingUpdateTest {

  private static SchedulerHarness.JobBuilder web(String image) {
    return job("web", "service").group("web", 3).image(image);
  }

  /** Evaluates, lets the agents catch up, and repeats until nothing changes (at most n rounds). */
  private static void settle(SchedulerHarness h, JobKey key, int rounds) {
    for (int i = 0; i < rounds; i++) {
      h.evaluate(key);
      h.agentsConverge();
    }
  }

  private static Set<String> images(SchedulerHarness h, JobKey key) {
    return h.live(key).stream().map(TaskRecord::getGroupSpecHash).collect(Collectors.toSet());
  }

  @Test
  void aChangedSpecRollsOneTaskAtATimeOnceEachIsHealthy() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 3);
    JobKey key = h.register(web("app:1"));
    settle(h, key, 7);
    assertTrue(h.job(key).getJob().getStable(), "version 1 ran healthy for 5 s");
    String v1 = h.live(key).get(0).getGroupSpecHash();

    h.register(web("app:2"));
    Plan first = h.evaluate(key);
    assertEquals(1, first.stop().size());
    assertEquals(1, first.place().size());
    TaskRecord updated = first.place().get(0);
    assertEquals(2, updated.getJobVersion());
    assertTrue(updated.getMessage().contains("update from job version 1"), updated.getMessage());
    assertTrue(h.plan(key).isEmpty(), "the next task waits for this one");
    assertEquals(List.of("updating to version 2: 1 of 3 tasks updated"),
        JobOutcome.describe(h.job(key), h.now()));
    h.agentsConverge(); // running since its placement (t); this plan ran at t + 1 s
    for (int i = 2; i < 5; i++) {
      assertTrue(h.evaluate(key).stop().isEmpty(), "not healthy after " + i + " s of running");
    }
    Plan second = h.evaluate(key); // t + 5 s

    assertEquals(1, second.stop().size());
    h.agentsConverge();
    settle(h, key, 12);
    assertEquals(3, h.live(key).size());
    assertFalse(images(h, key).contains(v1), "every task runs the new spec");
    assertTrue(h.job(key).getJob().getStable());
    assertEquals(List.of("version 2: stable"), JobOutcome.describe(h.job(key), h.now()));
  }

  @Test
  void maxParallelReplacesThatManyAtOnce() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 4);
    JobKey key = h.register(job("web", "service").group("web", 4).update(2, 0, true));
    settle(h, key, 2);
    h.register(job("web", "service").group("web", 4).image("app:2").update(2, 0, true));
    Plan p = h.evaluate(key);
    assertEquals(2, p.stop().size());
    assertEquals(2, p.place().size());
  }

  @Test
  void scalingRestartsNothing() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 3);
    JobKey key = h.register(web("app:1"));
    settle(h, key, 2);
    h.scale(key, "web", 5);
    Plan p = h.evaluate(key);
    assertTrue(p.stop().isEmpty(), p.toString());
    assertEquals(2, p.place().size());
  }

  @Test
  void aFailingUpdateRevertsToTheLastStableVersionAndRollsBack() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 3);
    JobKey key = h.register(web("app:1"));
    settle(h, key, 7);
    assertTrue(h.job(key).getJob().getStable());
    String v1 = h.live(key).get(0).getGroupSpecHash();

    h.register(web("app:broken"));
    TaskRecord bad = h.evaluate(key).place().get(0);
    h.agentsConverge().exitsNow(bad.getId(), 1);
    Plan revert = h.evaluate(key);
    assertTrue(revert.revert().isPresent(), revert.toString());
    assertTrue(revert.failures().stream().anyMatch(l -> l.contains("update to job version 2 failed")
        && l.contains("reverting to the spec of version 1 as version 3")), revert.failures().toString());
    assertEquals(3, h.job(key).getJob().getVersion());
    assertEquals("app:1", h.job(key).getJob().getSpec().getGroups(0).getImage());
    assertEquals(List.of(2L, 1L), h.job(key).getHistoryList().stream().map(r -> r.getVersion()).toList());
    assertTrue(h.job(key).getJob().getStable(), "version 3 has a spec known to run healthy");

    // A crash while rolling back is retried, not reverted further.
    TaskRecord rolledBack = h.evaluate(key).place().get(0);
    h.agentsConverge().exitsNow(rolledBack.getId(), 1);
    Plan retry = h.evaluate(key);
    assertTrue(retry.revert().isEmpty());
    assertEquals(3, h.job(key).getJob().getVersion());

    settle(h, key, 15);
    assertEquals(3, h.live(key).size());
    assertEquals(Set.of(v1), images(h, key), "the broken spec is gone");
    assertTrue(h.job(key).getJob().getStable());
    assertEquals(3, h.job(key).getJob().getVersion(), "reverted once, then stable");
  }

  @Test
  void withoutAutoRevertTheUpdateHalts() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 3);
    JobKey key = h.register(job("web", "service").group("web", 3).update(1, 1000, false));
    settle(h, key, 3);
    h.register(job("web", "service").group("web", 3).image("app:broken").update(1, 1000, false));
    TaskRecord bad = h.evaluate(key).place().get(0);
    h.agentsConverge().exitsNow(bad.getId(), 1);
    Plan p = h.evaluate(key);
    assertTrue(p.revert().isEmpty());
    assertTrue(p.failures().stream().anyMatch(l -> l.contains("the update halts")), p.failures().toString());
    assertEquals(2, h.job(key).getJob().getVersion());
    assertEquals(1, p.place().size(), "the failed slot is retried");
    assertEquals(1, p.stop().size(), "only the failed task is stopped, no other old task");
  }

  @Test
  void aFirstVersionHasNothingToRevertTo() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 1);
    JobKey key = h.register(job("web", "service").group("web", 1));
    TaskRecord t = h.evaluate(key).place().get(0);
    h.agentsConverge().exitsNow(t.getId(), 1);
    Plan p = h.evaluate(key);
    assertTrue(p.revert().isEmpty());
    assertEquals(1, p.place().size(), "retried as usual");
  }

  @Test
  void batchTasksOfAnOlderSpecFinishAsTheyAre() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 2);
    JobKey key = h.register(job("etl", "batch").group("step", 2));
    settle(h, key, 1);
    h.register(job("etl", "batch").group("step", 2).image("etl:2"));
    assertTrue(h.plan(key).isEmpty());
  }

  @Test
  void aGlobalJobRollsNodeByNodeOnTheSameNodes() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 3);
    JobKey key = h.register(job("logs", "global").group("shipper", 0).staticPort("metrics", 9100));
    settle(h, key, 2);
    h.register(job("logs", "global").group("shipper", 0).image("shipper:2").staticPort("metrics", 9100)
        .update(1, 2000, true));
    Plan first = h.evaluate(key);
    assertEquals(1, first.stop().size());
    assertEquals(1, first.place().size());
    TaskRecord old = h.task(first.stop().get(0));
    assertEquals(old.getNode(), first.place().get(0).getNode(), "replaced on its own node, port 9100 freed");
    assertEquals(old.getIndex(), first.place().get(0).getIndex());
    assertTrue(h.plan(key).isEmpty(), "one at a time");
    h.agentsConverge();
    settle(h, key, 12);
    String current = GroupFingerprint.of(h.job(key).getJob().getSpec().getGroups(0));
    assertEquals(Set.of(current), images(h, key));
    assertEquals(3, h.live(key).size());
  }
}
