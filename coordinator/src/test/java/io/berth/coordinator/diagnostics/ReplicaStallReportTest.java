package io.berth.coordinator.diagnostics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** A replica that stands still is reported with what the JVM did, and again while it lasts. */
class ReplicaStallReportTest {
  private static final Duration AFTER = Duration.ofSeconds(30);

  private final AtomicLong applied = new AtomicLong(100);
  private final AtomicLong nanos = new AtomicLong();
  private final AtomicInteger marks = new AtomicInteger();
  private final AtomicInteger intervals = new AtomicInteger();
  private final List<String> logged = new ArrayList<>();
  private final ReplicaStallReport report = new ReplicaStallReport(applied::get, nanos::get, AFTER,
      marks::incrementAndGet, () -> "interval " + intervals.incrementAndGet(), logged::add);

  private void secondsPass(int seconds, boolean replicaMoves) {
    for (int i = 0; i < seconds; i++) {
      nanos.addAndGet(1_000_000_000L);
      if (replicaMoves) {
        applied.incrementAndGet();
      }
      report.check();
    }
  }

  @Test
  void aReplicaMovingEverySecondIsNeverReported() {
    secondsPass(300, true);

    assertEquals(List.of(), logged);
    assertEquals(300, marks.get(), "each move starts a new interval, so a report covers the stall alone");
  }

  @Test
  void aStallIsReportedAfterThePatienceThenEveryPatienceAndItsEndOnce() {
    secondsPass(5, true);
    secondsPass(29, false);
    assertEquals(List.of(), logged, "a stall shorter than the patience is not reported");

    secondsPass(1, false);
    assertEquals(1, logged.size());
    assertTrue(logged.get(0).startsWith("this member's replica has stood at 105 for 30 s"), logged.get(0));
    assertTrue(logged.get(0).endsWith("interval 1"), "the report carries what the JVM did: " + logged.get(0));

    secondsPass(29, false);
    assertEquals(1, logged.size());
    secondsPass(1, false);
    assertEquals(2, logged.size());
    assertTrue(logged.get(1).contains("stood at 105 for 60 s") && logged.get(1).endsWith("interval 2"), logged.get(1));

    secondsPass(1, true);
    assertEquals(3, logged.size());
    assertEquals("this member's replica moves again (at 106) after standing still 61 s", logged.get(2));
    secondsPass(60, true);
    assertEquals(3, logged.size(), "nothing more while it moves");
  }

  @Test
  void aNewStallIsReportedFromItsOwnStart() {
    secondsPass(40, false);
    secondsPass(1, true);
    logged.clear();

    secondsPass(29, false);
    assertEquals(List.of(), logged, "the patience counts from the last move, not from the last report");
    secondsPass(1, false);
    assertEquals(1, logged.size());
    assertTrue(logged.get(0).contains("for 30 s"), logged.get(0));
  }
}
