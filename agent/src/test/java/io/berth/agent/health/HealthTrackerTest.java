package io.berth.agent.health;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.berth.proto.HealthCheck;
import io.berth.proto.TaskHealth;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class HealthTrackerTest {
  private static final HealthCheck CHECK =
      HealthCheck.newBuilder().setType("http").setUnhealthyAfter(3).setGraceMs(5_000).build();
  private static final CheckResult PASS = CheckResult.pass("HTTP 200");
  private static final CheckResult FAIL = CheckResult.fail("HTTP 503");

  @Test
  void failuresInTheGracePeriodDoNotCountButAPassDoes() {
    HealthTracker t = new HealthTracker(CHECK, 1_000);
    for (long at = 1_000; at < 6_000; at += 1_000) {
      assertEquals(Optional.empty(), t.record(FAIL, at));
    }
    assertEquals(TaskHealth.HEALTH_UNKNOWN, t.health());
    assertEquals(Optional.of(TaskHealth.HEALTH_HEALTHY), t.record(PASS, 5_500));
  }

  @Test
  void unhealthyAfterThatManyFailuresInARowAndHealthyAgainOnAPass() {
    HealthTracker t = new HealthTracker(CHECK, 0);
    assertEquals(Optional.of(TaskHealth.HEALTH_HEALTHY), t.record(PASS, 6_000));
    assertEquals(Optional.empty(), t.record(FAIL, 7_000));
    assertEquals(Optional.empty(), t.record(FAIL, 8_000));
    assertEquals(Optional.empty(), t.record(PASS, 9_000), "a pass resets the count");
    assertEquals(Optional.empty(), t.record(FAIL, 10_000));
    assertEquals(Optional.empty(), t.record(FAIL, 11_000));
    assertEquals(Optional.of(TaskHealth.HEALTH_UNHEALTHY), t.record(FAIL, 12_000));
    assertEquals(Optional.empty(), t.record(FAIL, 13_000), "reported once, not per check");
    assertEquals(Optional.of(TaskHealth.HEALTH_HEALTHY), t.record(PASS, 14_000));
  }

  @Test
  void aTaskThatNeverPassesIsUnhealthyOnceTheGraceIsOver() {
    HealthTracker t = new HealthTracker(CHECK, 0);
    t.record(FAIL, 4_000);
    t.record(FAIL, 5_000);
    t.record(FAIL, 6_000);
    assertEquals(Optional.of(TaskHealth.HEALTH_UNHEALTHY), t.record(FAIL, 7_000));
  }

  @Test
  void outputIsShortenedToOneLine() {
    CheckResult r = CheckResult.fail("line one\nline two\n" + "x".repeat(500));
    assertEquals(CheckResult.MAX_OUTPUT, r.output().length());
    assertEquals("line one line two x", r.output().substring(0, 19));
  }
}
