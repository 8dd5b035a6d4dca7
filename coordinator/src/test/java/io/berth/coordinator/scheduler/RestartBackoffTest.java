package io.berth.coordinator.scheduler;

import static io.berth.coordinator.scheduler.SchedulerHarness.job;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.coordinator.state.JobKey;
import io.berth.proto.TaskRecord;
import org.junit.jupiter.api.Test;

/** A task that keeps failing is restarted with growing delays; the first restart is immediate. */
class RestartBackoffTest {

  @Test
  void delaysDoubleUpToTheCap() {
    assertEquals(0, RestartBackoff.delayMs(1));
    assertEquals(1000, RestartBackoff.delayMs(2));
    assertEquals(2000, RestartBackoff.delayMs(3));
    assertEquals(4000, RestartBackoff.delayMs(4));
    assertEquals(30_000, RestartBackoff.delayMs(50));
  }

  @Test
  void repeatedFailuresWaitBeforeTheNextAttempt() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 1);
    JobKey web = h.register(job("web", "service").group("web", 1));
    h.evaluate(web);
    h.agentsConverge();

    TaskRecord first = h.live(web).get(0);
    assertEquals(1, first.getAttempt());
    h.failsNow(first.getId());
    Plan p = h.evaluate(web); // first failure: replaced at once
    assertEquals(1, p.place().size());
    assertEquals(2, p.place().get(0).getAttempt());

    h.agentsConverge().failsNow(p.place().get(0).getId());
    Plan p3 = h.evaluate(web); // 1 s later: the 1 s backoff of attempt 2 is over
    assertEquals(1, p3.place().size());
    assertEquals(3, p3.place().get(0).getAttempt());

    String third = p3.place().get(0).getId();
    h.agentsConverge().failsNow(third);
    Plan waiting = h.evaluate(web); // 1 s later: attempt 3 must wait 2 s
    assertTrue(waiting.place().isEmpty(), "placed too early: " + waiting);
    assertTrue(waiting.stop().isEmpty(), "the failed record stays while backing off");
    assertTrue(waiting.failures().stream().anyMatch(l -> l.startsWith("web[0]: restarting in 1000 ms (attempt 4)")),
        waiting.failures().toString());

    Plan due = h.evaluate(web); // 2 s after the failure
    assertEquals(1, due.place().size());
    assertEquals(4, due.place().get(0).getAttempt());
    assertEquals(java.util.List.of(third), due.stop());
  }

  @Test
  void aTaskThatRanForAWhileIsReplacedAtOnceWhateverItsAttempt() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 1);
    JobKey web = h.register(job("web", "service").group("web", 1));
    h.evaluate(web);
    for (int attempt = 1; attempt <= 5; attempt++) {
      TaskRecord t = h.agentsConverge().live(web).get(0);
      assertEquals(attempt, t.getAttempt());
      h.clockAt(h.now() + RestartBackoff.SETTLED_RUN_MS); // it runs 10 s, then is killed
      h.failsNow(t.getId());
      Plan p = h.evaluate(web);
      assertEquals(1, p.place().size(), "attempt " + attempt + " ran 10 s: replaced at once, " + p);
    }
  }
}
