package io.berth.coordinator.scheduler;

import static io.berth.coordinator.scheduler.SchedulerHarness.job;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.coordinator.state.JobKey;
import io.berth.proto.TaskRecord;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * A plan says when time alone could change it (its recheck time), so the leader evaluates a
 * steady job only when the state changes or that time comes. The harness checks on every plan
 * that nothing changes before it; these tests check that something does at it, rule by rule.
 */
class RecheckTest {

  /** Plans the job at exactly {@code ms} (the harness adds a second to its clock per plan). */
  private static Plan planAt(SchedulerHarness h, JobKey key, long ms) {
    h.clockAt(ms - 1000);
    return h.plan(key);
  }

  @Test
  void aSteadyServiceNeedsNoRecheck() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 2);
    JobKey web = h.register(job("web", "service").group("web", 2));
    h.evaluate(web);
    h.agentsConverge();
    for (int i = 0; i < 7; i++) {
      h.evaluate(web); // runs past min_healthy_time: the version becomes stable
    }
    assertTrue(h.job(web).getJob().getStable());
    Plan steady = h.plan(web);
    assertTrue(steady.isEmpty(), steady.toString());
    assertEquals(Long.MAX_VALUE, steady.recheckAtMs());
  }

  @Test
  void aBackingOffRestartIsRecheckedWhenItsDelayEnds() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 1);
    JobKey web = h.register(job("web", "service").group("web", 1));
    h.evaluate(web);
    for (int attempt = 1; attempt <= 2; attempt++) {
      h.agentsConverge().failsNow(h.live(web).get(0).getId());
      h.evaluate(web); // attempts 2 and 3 start at once / after 1 s
      h.clockAt(h.now() + 1000);
    }
    TaskRecord third = h.agentsConverge().live(web).get(0);
    assertEquals(3, third.getAttempt());
    h.failsNow(third.getId());
    long failedAt = h.now();

    Plan waiting = h.plan(web);
    assertTrue(waiting.place().isEmpty(), waiting.toString());
    long delay = RestartBackoff.delayMs(3);
    assertEquals(failedAt + delay, waiting.recheckAtMs());

    Plan due = planAt(h, web, waiting.recheckAtMs());
    assertEquals(1, due.place().size(), "placed when the delay ends: " + due);
  }

  @Test
  void aRollingUpdateIsRecheckedWhenItsNewTaskHasRunMinHealthyTime() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 2);
    JobKey web = h.register(job("web", "service").group("web", 2).image("app:1"));
    for (int i = 0; i < 8; i++) {
      h.evaluate(web);
      h.agentsConverge();
    }
    assertTrue(h.job(web).getJob().getStable());

    h.register(job("web", "service").group("web", 2).image("app:2"));
    Plan first = h.evaluate(web);
    assertEquals(1, first.place().size());
    h.agentsConverge(); // the new task runs since its placement
    TaskRecord fresh = h.task(first.place().get(0).getId());

    Plan waiting = h.evaluate(web); // forgets the stopped old task, and waits
    assertTrue(waiting.place().isEmpty() && waiting.stop().isEmpty(), waiting.toString());
    assertEquals(fresh.getUpdatedAtMs() + RollingUpdate.DEFAULT_MIN_HEALTHY_MS, waiting.recheckAtMs());

    Plan next = planAt(h, web, waiting.recheckAtMs());
    assertEquals(1, next.stop().size(), "the second old task is replaced at the recheck: " + next);
    assertEquals(1, next.place().size());
  }

  @Test
  void aNewVersionIsRecheckedAtItsHealthyDeadline() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 1);
    JobKey web = h.register(job("web", "service").group("web", 1).image("app:1"));
    for (int i = 0; i < 8; i++) {
      h.evaluate(web);
      h.agentsConverge();
    }
    h.register(job("web", "service").group("web", 1).image("app:2"));
    Plan update = h.evaluate(web); // the new task is placed, and its agent never starts it
    TaskRecord stuck = update.place().get(0);

    Plan waiting = h.plan(web);
    assertTrue(waiting.isEmpty(), waiting.toString());
    long deadline = stuck.getCreatedAtMs() + RollingUpdate.DEFAULT_HEALTHY_DEADLINE_MS;
    assertEquals(deadline, waiting.recheckAtMs());

    Plan reverted = planAt(h, web, deadline);
    assertTrue(reverted.revert().isPresent(), "reverted at the deadline: " + reverted);
  }

  @Test
  void aCronJobIsRecheckedAtItsNextFiring() {
    long t0 = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();
    SchedulerHarness h = new SchedulerHarness().nodes("n", 1).clockAt(t0 - 30_000);
    JobKey report = h.register(job("report", "cron").schedule("*/5 * * * *", "", "").group("gen", 1));

    Plan before = h.plan(report);
    assertTrue(before.isEmpty(), before.toString());
    assertEquals(t0, before.recheckAtMs());

    Plan fired = planAt(h, report, t0);
    assertEquals(1, fired.place().size());
    h.apply(fired);
    h.agentsConverge().exitsNow(fired.place().get(0).getId(), 0);
    Plan done = h.plan(report);
    assertFalse(done.place().size() > 0, done.toString());
    assertEquals(t0 + 5 * 60_000, done.recheckAtMs(), "the next firing, five minutes on");
  }
}
