package io.berth.coordinator.scheduler;

import static io.berth.coordinator.scheduler.SchedulerHarness.job;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.coordinator.state.JobKey;
import io.berth.proto.RestartPolicy;
import io.berth.proto.TaskRecord;
import io.berth.proto.TaskState;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A group's restart policy: attempts, base delay, and fail or delay once attempts are used up. */
class RestartPolicyTest {

  @Test
  void delayScalesTheBackoffAndDelayModeWaitsTheLongest() {
    RestartPolicy fiveSeconds = RestartPolicy.newBuilder().setDelayMs(5000).build();
    assertEquals(0, RestartBackoff.delayMs(1, fiveSeconds));
    assertEquals(5000, RestartBackoff.delayMs(2, fiveSeconds));
    assertEquals(10_000, RestartBackoff.delayMs(3, fiveSeconds));
    assertEquals(30_000, RestartBackoff.delayMs(9, fiveSeconds));
    RestartPolicy delayMode = RestartPolicy.newBuilder().setAttempts(3).setMode("delay").build();
    assertEquals(1000, RestartBackoff.delayMs(2, delayMode));
    assertEquals(30_000, RestartBackoff.delayMs(3, delayMode));
    RestartPolicy longDelay = RestartPolicy.newBuilder().setDelayMs(60_000).build();
    assertEquals(60_000, RestartBackoff.delayMs(4, longDelay), "a delay above 30 s is its own cap");
  }

  @Test
  void batchGivesUpAfterItsAttemptsAndKeepsTheExitCodes() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 2);
    JobKey b = h.register(job("etl", "batch").group("step", 2).restart(3, 1000, "fail"));
    h.evaluate(b);
    h.agentsConverge();
    TaskRecord ok = h.live(b).stream().filter(t -> t.getIndex() == 1).findFirst().orElseThrow();
    h.exitsNow(ok.getId(), 0);
    String failing = h.live(b).stream().filter(t -> t.getIndex() == 0).findFirst().orElseThrow().getId();
    for (int attempt = 1; attempt <= 3; attempt++) {
      h.exitsNow(failing, 10 + attempt);
      if (attempt == 3) {
        break;
      }
      Plan retry = h.evaluate(b);
      while (retry.place().isEmpty()) {
        retry = h.evaluate(b); // backing off: one harness second per evaluation
      }
      TaskRecord next = retry.place().get(0);
      assertEquals(attempt + 1, next.getAttempt());
      assertEquals(java.util.stream.IntStream.rangeClosed(1, attempt).map(i -> 10 + i).boxed().toList(),
          next.getEarlierExitCodesList());
      h.agentsConverge();
      failing = next.getId();
    }
    Plan gaveUp = h.evaluate(b);
    assertTrue(gaveUp.place().isEmpty() && gaveUp.stop().isEmpty(), gaveUp.toString());
    assertEquals(List.of("step[0]: gave up after 3 attempts (restart mode fail), last exit code 13"), gaveUp.failures());
    assertEquals(TaskState.TASK_FAILED, h.task(failing).getState(), "the last failure stays as the outcome");
    assertTrue(h.evaluate(b).place().isEmpty(), "and stays given up");
    List<String> outcome = JobOutcome.describe(h.snapshot().job(b).orElseThrow(), h.now());
    assertEquals(List.of("failed: step[0] gave up after 3 attempts, exit codes 11, 12, 13"), outcome);
  }

  @Test
  void withoutAPolicyABatchTaskIsRetriedForEverAndCompletes() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 1);
    JobKey b = h.register(job("etl", "batch").group("step", 1));
    h.evaluate(b);
    h.agentsConverge();
    String id = h.live(b).get(0).getId();
    for (int i = 0; i < 6; i++) {
      h.exitsNow(id, 1);
      Plan p = h.evaluate(b);
      while (p.place().isEmpty()) {
        p = h.evaluate(b);
      }
      h.agentsConverge();
      id = p.place().get(0).getId();
    }
    assertEquals(7, h.task(id).getAttempt());
    assertEquals(List.of("running: 0 of 1 tasks complete"), JobOutcome.describe(h.snapshot().job(b).orElseThrow(), h.now()));
    h.exitsNow(id, 0);
    assertTrue(h.evaluate(b).place().isEmpty());
    assertEquals(List.of("complete: 1 of 1 tasks exited 0"),
        JobOutcome.describe(h.snapshot().job(b).orElseThrow(), h.now()));
  }

  @Test
  void delayModeKeepsTryingAfterTheAttempts() {
    SchedulerHarness h = new SchedulerHarness().nodes("n", 1);
    JobKey s = h.register(job("web", "service").group("web", 1).restart(2, 1000, "delay"));
    h.evaluate(s);
    h.agentsConverge();
    String id = h.live(s).get(0).getId();
    h.exitsNow(id, 1);
    id = h.evaluate(s).place().get(0).getId(); // attempt 2, at once
    h.agentsConverge().exitsNow(id, 1);
    int waited = 0;
    Plan p = h.evaluate(s);
    while (p.place().isEmpty()) {
      waited++;
      p = h.evaluate(s);
    }
    assertEquals(3, p.place().get(0).getAttempt());
    assertTrue(waited >= 28, "waited " + waited + " s, expected the 30 s of mode delay");
  }
}
