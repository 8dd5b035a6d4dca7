package io.berth.agent.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.agent.testing.Await;
import io.berth.proto.HealthCheck;
import io.berth.proto.TaskHealth;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HealthMonitorTest {
  private static final HealthCheck CHECK = HealthCheck.newBuilder().setType("tcp").setIntervalMs(20)
      .setTimeoutMs(100).setUnhealthyAfter(2).setGraceMs(0).build();
  private final List<String> verdicts = new CopyOnWriteArrayList<>();
  private final HealthMonitor monitor = new HealthMonitor(
      (task, container, health, output) -> verdicts.add(task + " " + health.name() + " " + output), 2);

  @AfterEach
  void close() {
    monitor.close();
  }

  @Test
  void reportsTransitionsOnlyAndStopsCheckingATaskThatLeaves() throws Exception {
    AtomicBoolean up = new AtomicBoolean(true);
    AtomicInteger checks = new AtomicInteger();
    Probe probe = () -> {
      checks.incrementAndGet();
      return up.get() ? CheckResult.pass("ok") : CheckResult.fail("down");
    };
    monitor.watch(Map.of("t1", new CheckTarget("t1", "c1", CHECK, probe)));
    Await.until(Duration.ofSeconds(5), () -> verdicts.equals(List.of("t1 HEALTH_HEALTHY ok")), "healthy");
    up.set(false);
    Await.until(Duration.ofSeconds(5), () -> verdicts.size() == 2, "unhealthy");
    assertEquals("t1 HEALTH_UNHEALTHY down", verdicts.get(1));
    int before = checks.get();
    Await.until(Duration.ofSeconds(5), () -> checks.get() > before + 3, "more checks");
    assertEquals(2, verdicts.size(), "no report per failing check");

    monitor.watch(Map.of());
    assertEquals(0, monitor.watching());
    int stoppedAt = checks.get();
    Thread.sleep(200); // ten intervals: no check may run for a task no longer watched
    assertTrue(checks.get() <= stoppedAt + 1, "checks went on: " + stoppedAt + " -> " + checks.get());
  }

  @Test
  void aHangingCheckNeverPilesUpAndOthersKeepRunning() throws Exception {
    CountDownLatch hang = new CountDownLatch(1);
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger maxInFlight = new AtomicInteger();
    Probe slow = () -> {
      maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
      try {
        hang.await(2, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      inFlight.decrementAndGet();
      return CheckResult.fail("slow");
    };
    AtomicInteger fastChecks = new AtomicInteger();
    Probe fast = () -> {
      fastChecks.incrementAndGet();
      return CheckResult.pass("ok");
    };
    monitor.watch(Map.of("slow", new CheckTarget("slow", "c1", CHECK, slow),
        "fast", new CheckTarget("fast", "c2", CHECK, fast)));
    Await.until(Duration.ofSeconds(5), () -> fastChecks.get() > 10, "the fast task checked many times");
    assertEquals(1, maxInFlight.get(), "one check of a task at a time");
    hang.countDown();
  }

  @Test
  void aNewContainerForATaskStartsOverAtUnknown() throws Exception {
    Probe pass = () -> CheckResult.pass("ok");
    monitor.watch(Map.of("t1", new CheckTarget("t1", "c1", CHECK, pass)));
    Await.until(Duration.ofSeconds(5), () -> verdicts.size() == 1, "healthy");
    monitor.watch(Map.of("t1", new CheckTarget("t1", "c2", CHECK, pass)));
    Await.until(Duration.ofSeconds(5), () -> verdicts.size() == 2, "healthy again, for the new container");
    assertEquals(1, monitor.watching());
  }
}
