package io.berth.coordinator.scheduler;

import static io.berth.coordinator.scheduler.SchedulerHarness.job;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.coordinator.state.JobKey;
import io.berth.proto.TaskHealth;
import io.berth.proto.TaskRecord;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Health checks in scheduling: an update moves on only past passing checks, fails (and reverts)
 * on a failing one or one that never passes within healthy_deadline; a running task that turns
 * unhealthy is restarted per its restart policy.
 */
class HealthCheckSchedulingTest {

  private static SchedulerHarness.JobBuilder web(String image) {
    return job("web", "service").group("web", 2).image(image).dynamicPort("http").tcpCheck("http")
        .update(1, 2000, true);
  }

  /** Runs version 1 until it is stable: placed, running, every check passing for min_healthy_time. */
  private static JobKey stableV1(SchedulerHarness h) {
    JobKey key = h.register(web("app:1"));
    h.evaluate(key);
    h.agentsConverge();
    for (int i = 0; i < 5; i++) {
      h.evaluate(key);
    }
    assertFalse(h.job(key).getJob().getStable(), "running long enough, but no check has passed yet");
    h.allHealthyNow(key);
    h.evaluate(key);
    assertTrue(h.job(key).getJob().getStable(), "running for min_healthy_time and passing");
    return key;
  }

  @Test
  void anUpdateMovesToTheNextTaskOnlyOnceTheNewOnePassesItsCheck() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 2);
    JobKey key = stableV1(h);
    h.register(web("app:2"));
    Plan first = h.evaluate(key);
    assertEquals(1, first.stop().size());
    TaskRecord fresh = first.place().get(0);
    h.agentsConverge();
    for (int i = 0; i < 10; i++) {
      assertTrue(h.evaluate(key).stop().isEmpty(), "running " + i + " s but its check has not passed");
    }
    h.healthNow(fresh.getId(), TaskHealth.HEALTH_HEALTHY, "connected");
    Plan second = h.evaluate(key);
    assertEquals(1, second.stop().size(), "the next task is replaced");
    assertEquals(1, second.place().size());
    h.agentsConverge().allHealthyNow(key);
    for (int i = 0; i < 3; i++) {
      h.evaluate(key);
    }
    assertTrue(h.job(key).getJob().getStable());
    assertEquals(2, h.job(key).getJob().getVersion());
  }

  @Test
  void aNewTaskFailingItsCheckRevertsTheUpdate() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 2);
    JobKey key = stableV1(h);
    h.register(web("app:broken"));
    TaskRecord bad = h.evaluate(key).place().get(0);
    h.agentsConverge().healthNow(bad.getId(), TaskHealth.HEALTH_UNHEALTHY, "connect to 10.0.0.1:20000: refused");
    Plan revert = h.evaluate(key);
    assertTrue(revert.revert().isPresent(), revert.toString());
    assertTrue(revert.failures().stream().anyMatch(l -> l.equals("update to job version 2 failed: " + bad.getId()
        + " failed its health check (connect to 10.0.0.1:20000: refused) before the version was healthy:"
        + " reverting to the spec of version 1 as version 3")), revert.failures().toString());
    assertEquals("app:1", h.job(key).getJob().getSpec().getGroups(0).getImage());
    assertTrue(h.job(key).getJob().getReason().contains(bad.getId() + " failed its health check"),
        "the new version says why it was written: " + h.job(key).getJob().getReason());

    // The reverted version replaces the broken task with one of the old spec.
    Plan back = h.evaluate(key);
    assertEquals(List.of(bad.getId()), back.stop());
    assertEquals("app:1", h.job(key).getJob().getSpec().getGroups(0).getImage());
    assertEquals(3, back.place().get(0).getJobVersion());
  }

  @Test
  void aNewTaskThatNeverPassesWithinTheDeadlineRevertsTheUpdate() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 2);
    JobKey key = stableV1(h);
    h.register(web("app:silent").healthyDeadline(10_000));
    TaskRecord silent = h.evaluate(key).place().get(0);
    h.agentsConverge();
    for (int i = 0; i < 9; i++) {
      assertTrue(h.evaluate(key).revert().isEmpty(), "within the deadline");
    }
    Plan p = h.evaluate(key);
    assertTrue(p.revert().isPresent(), p.toString());
    assertTrue(p.failures().get(0).contains(silent.getId() + " was not healthy within 10000 ms of its placement"
        + " (no check result yet)"), p.failures().toString());
  }

  @Test
  void aStableTaskTurningUnhealthyIsRestartedWithBackoff() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 2);
    JobKey key = stableV1(h);
    TaskRecord sick = h.live(key).get(0);
    h.healthNow(sick.getId(), TaskHealth.HEALTH_UNHEALTHY, "GET /: HTTP 503");
    Plan restart = h.evaluate(key);
    assertTrue(restart.revert().isEmpty(), "a stable version is not reverted");
    assertEquals(List.of(sick.getId()), restart.stop());
    TaskRecord second = restart.place().get(0);
    assertEquals(sick.getIndex(), second.getIndex());
    assertEquals(2, second.getAttempt());
    assertTrue(second.getMessage().contains("(unhealthy: GET /: HTTP 503)"), second.getMessage());

    // Unhealthy again: the second restart waits out the backoff (1 s), the task running meanwhile.
    h.agentsConverge().healthNow(second.getId(), TaskHealth.HEALTH_UNHEALTHY, "GET /: HTTP 503");
    h.clockAt(h.now() - 1000 + 1); // the next plan runs 1 ms after the verdict
    Plan waiting = h.plan(key);
    assertTrue(waiting.stop().isEmpty(), waiting.toString());
    assertTrue(waiting.failures().stream().anyMatch(l -> l.startsWith("web[" + sick.getIndex() + "]: restarting in")),
        waiting.failures().toString());
    Plan later = h.evaluate(key);
    assertEquals(List.of(second.getId()), later.stop());
    assertEquals(3, later.place().get(0).getAttempt());
  }

  @Test
  void restartModeFailGivesUpAndLeavesTheUnhealthyTaskRunning() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 1);
    JobKey key = h.register(job("web", "service").group("web", 1).dynamicPort("http").tcpCheck("http")
        .restart(1, 1000, "fail"));
    TaskRecord t = h.evaluate(key).place().get(0);
    h.agentsConverge().healthNow(t.getId(), TaskHealth.HEALTH_UNHEALTHY, "refused");
    Plan p = h.evaluate(key);
    assertTrue(p.stop().isEmpty() && p.place().isEmpty(), p.toString());
    assertEquals(List.of("web[0]: gave up after 1 attempts (restart mode fail), still running, unhealthy"),
        p.failures());
  }

  @Test
  void aGlobalTaskTurningUnhealthyIsReplacedOnItsNode() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 2);
    JobKey key = h.register(job("agent", "global").group("probe", 1).dynamicPort("http").tcpCheck("http"));
    h.evaluate(key);
    h.agentsConverge();
    TaskRecord sick = h.live(key).get(0);
    h.healthNow(sick.getId(), TaskHealth.HEALTH_UNHEALTHY, "refused");
    Plan p = h.evaluate(key);
    assertEquals(List.of(sick.getId()), p.stop());
    assertEquals(sick.getNode(), p.place().get(0).getNode());
  }

  @Test
  void aTaskWithoutACheckIsHealthyByRunningAlone() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 2);
    JobKey key = h.register(job("web", "service").group("web", 2).update(1, 2000, true));
    h.evaluate(key);
    h.agentsConverge();
    for (int i = 0; i < 3; i++) {
      h.evaluate(key);
    }
    assertTrue(h.job(key).getJob().getStable());
  }
}
