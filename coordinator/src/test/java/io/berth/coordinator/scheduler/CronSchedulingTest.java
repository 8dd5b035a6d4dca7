package io.berth.coordinator.scheduler;

import static io.berth.coordinator.scheduler.SchedulerHarness.job;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.coordinator.state.JobKey;
import io.berth.proto.TaskRecord;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Cron jobs: a run per firing, decided from the evaluation's clock and the tasks' records. */
class CronSchedulingTest {
  /** Every minute on the minute, from 2026-01-01T00:00:00Z. */
  static final long T0 = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();
  static final long MIN = 60_000;

  private static SchedulerHarness.JobBuilder cron(String overlap) {
    return job("report", "cron").schedule("* * * * *", "", overlap).group("gen", 2);
  }

  /** Registers the job just before T0 and evaluates 1 s after firing T0 + k minutes. */
  private static Plan at(SchedulerHarness h, JobKey key, long ms) {
    h.clockAt(ms - 1000);
    return h.evaluate(key);
  }

  @Test
  void firesOnTimeNotBeforeAndOncePerFiring() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 2).clockAt(T0 - 30_000);
    JobKey c = h.register(cron("forbid"));
    assertTrue(at(h, c, T0 - 10_000).isEmpty(), "nothing is due before the first firing");

    Plan first = at(h, c, T0 + 1000);
    assertEquals(2, first.place().size());
    for (TaskRecord t : first.place()) {
      assertEquals(T0, t.getRunAtMs());
      assertEquals(1, t.getAttempt());
    }
    assertEquals(Set.of(0, 1), first.place().stream().map(TaskRecord::getIndex).collect(Collectors.toSet()));
    assertTrue(at(h, c, T0 + 2000).isEmpty(), "the run for T0 is placed once");

    h.agentsConverge();
    for (TaskRecord t : h.live(c)) {
      h.exitsNow(t.getId(), 0);
    }
    assertTrue(at(h, c, T0 + 30_000).isEmpty(), "a finished run is not restarted");
    Plan second = at(h, c, T0 + MIN + 500);
    assertEquals(2, second.place().size());
    assertTrue(second.place().stream().allMatch(t -> t.getRunAtMs() == T0 + MIN));
    assertTrue(second.forget().isEmpty(), "finished runs are kept for job status");
  }

  @Test
  void firingsBeforeSubmissionOrOutsideTheStartingWindowAreNotStarted() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 1).clockAt(T0 + 20_000);
    JobKey c = h.register(cron("forbid"));
    assertTrue(at(h, c, T0 + 30_000).isEmpty(), "T0 fired before the job existed");
    // The coordinator was away for two minutes: T0+1min is past the starting window at T0+2min+50s,
    // and T0+2min is still in it.
    Plan late = at(h, c, T0 + 2 * MIN + 50_000);
    assertTrue(late.place().stream().allMatch(t -> t.getRunAtMs() == T0 + 2 * MIN), late.toString());
    assertEquals(2, late.place().size());
  }

  @Test
  void forbidSkipsAFiringWhileTheLastRunIsActiveEvenIfItEndsSoonAfter() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 2).clockAt(T0 - 1000);
    JobKey c = h.register(cron("forbid"));
    at(h, c, T0 + 1000);
    h.agentsConverge();
    Plan skipped = at(h, c, T0 + MIN + 1000);
    assertTrue(skipped.place().isEmpty(), skipped.toString());
    assertTrue(skipped.failures().stream().anyMatch(l -> l.contains("skipped") && l.contains("overlap: forbid")),
        skipped.failures().toString());

    // The run ends 5 s after the skipped firing: that firing stays skipped.
    h.clockAt(T0 + MIN + 5000);
    for (TaskRecord t : h.live(c)) {
      h.exitsNow(t.getId(), 0);
    }
    Plan still = at(h, c, T0 + MIN + 7000);
    assertTrue(still.place().isEmpty(), "a firing that met an active run is not started late: " + still);

    Plan next = at(h, c, T0 + 2 * MIN + 1000);
    assertEquals(2, next.place().size());
    assertTrue(next.place().stream().allMatch(t -> t.getRunAtMs() == T0 + 2 * MIN));
  }

  @Test
  void replaceStopsTheActiveRunAndStartsTheNewOne() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 2).clockAt(T0 - 1000);
    JobKey c = h.register(cron("replace"));
    Plan first = at(h, c, T0 + 1000);
    h.agentsConverge();
    Plan next = at(h, c, T0 + MIN + 1000);
    assertEquals(first.place().stream().map(TaskRecord::getId).collect(Collectors.toSet()), Set.copyOf(next.stop()));
    assertEquals(2, next.place().size());
    assertTrue(next.place().stream().allMatch(t -> t.getRunAtMs() == T0 + MIN));
    h.agentsConverge();
    Plan after = at(h, c, T0 + MIN + 3000);
    assertEquals(Set.copyOf(next.stop()), Set.copyOf(after.forget()), "the replaced run is forgotten once stopped");
    assertTrue(after.place().isEmpty());
  }

  @Test
  void allowRunsOverlappingRuns() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 2).clockAt(T0 - 1000);
    JobKey c = h.register(cron("allow"));
    at(h, c, T0 + 1000);
    h.agentsConverge();
    Plan next = at(h, c, T0 + MIN + 1000);
    assertTrue(next.stop().isEmpty());
    assertEquals(2, next.place().size());
    h.agentsConverge();
    assertEquals(4, h.live(c).size());
    assertEquals(Set.of(T0, T0 + MIN), h.live(c).stream().map(TaskRecord::getRunAtMs).collect(Collectors.toSet()));
  }

  @Test
  void aFailedTaskIsRetriedWithinItsRunAndGivesUpUnderItsPolicy() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 1).clockAt(T0 - 1000);
    JobKey c = h.register(job("report", "cron").schedule("R/2026-01-01T00:00:00Z/PT1H", "", "")
        .group("gen", 1).restart(2, 1000, "fail"));
    TaskRecord first = at(h, c, T0 + 1000).place().get(0);
    h.agentsConverge().exitsNow(first.getId(), 3);
    Plan retry = at(h, c, T0 + 3000);
    TaskRecord second = retry.place().get(0);
    assertEquals(T0, second.getRunAtMs(), "the retry belongs to the same run");
    assertEquals(2, second.getAttempt());
    assertEquals(List.of(3), second.getEarlierExitCodesList());
    h.agentsConverge().exitsNow(second.getId(), 4);
    Plan gaveUp = at(h, c, T0 + 10_000);
    assertTrue(gaveUp.place().isEmpty());
    assertTrue(gaveUp.failures().stream().anyMatch(l -> l.contains("gen[0]: gave up after 2 attempts")),
        gaveUp.failures().toString());
    List<String> outcome = JobOutcome.describe(h.snapshot().job(c).orElseThrow(), T0 + 10_000);
    assertTrue(outcome.get(0).contains("next run at 2026-01-01T01:00:00Z"), outcome.toString());
    assertTrue(outcome.get(1).contains("run at 2026-01-01T00:00:00Z: failed: gen[0] gave up after 2 attempts, "
        + "exit codes 3, 4"), outcome.toString());

    // A run that gave up is finished: the next firing starts afresh.
    Plan next = at(h, c, T0 + 60 * MIN + 1000);
    assertEquals(1, next.place().size());
    assertEquals(1, next.place().get(0).getAttempt());
  }

  @Test
  void keepsTheLastFewFinishedRunsAndForgetsOlderOnes() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 2).clockAt(T0 - 1000);
    JobKey c = h.register(cron("forbid"));
    for (int k = 0; k < 6; k++) {
      at(h, c, T0 + k * MIN + 1000);
      h.agentsConverge();
      h.clockAt(T0 + k * MIN + 5000);
      for (TaskRecord t : h.live(c)) {
        h.exitsNow(t.getId(), 0);
      }
    }
    at(h, c, T0 + 5 * MIN + 10_000); // forgets what is past the history
    Set<Long> runs = h.tasks(c).stream().map(TaskRecord::getRunAtMs).collect(Collectors.toSet());
    assertEquals(Set.of(T0 + 3 * MIN, T0 + 4 * MIN, T0 + 5 * MIN), runs);
    List<String> outcome = JobOutcome.describe(h.snapshot().job(c).orElseThrow(), T0 + 5 * MIN + 10_000);
    assertEquals(4, outcome.size(), outcome.toString());
    assertTrue(outcome.get(1).startsWith("run at 2026-01-01T00:05:00Z: complete: 2 of 2"), outcome.toString());
  }

  @Test
  void firesAtTheLocalTimeOfItsZone() {
    long nineBerlin = Instant.parse("2026-01-15T08:00:00Z").toEpochMilli();
    SchedulerHarness h = new SchedulerHarness().nodes("n", 1).clockAt(nineBerlin - 2 * MIN);
    JobKey c = h.register(job("r", "cron").schedule("0 9 * * *", "Europe/Berlin", "").group("g", 1));
    assertTrue(at(h, c, nineBerlin - MIN).isEmpty(), "08:59 Berlin is not 09:00");
    Plan p = at(h, c, nineBerlin + 2000);
    assertEquals(nineBerlin, p.place().get(0).getRunAtMs());
  }

  @Test
  void stoppingACronJobStopsItsRun() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 2).clockAt(T0 - 1000);
    JobKey c = h.register(cron("forbid"));
    at(h, c, T0 + 1000);
    h.agentsConverge();
    h.stopJob(c);
    Plan stop = at(h, c, T0 + 2000);
    assertEquals(2, stop.stop().size());
    assertTrue(at(h, c, T0 + MIN + 1000).place().isEmpty(), "a stopped cron job does not fire");
  }
}
