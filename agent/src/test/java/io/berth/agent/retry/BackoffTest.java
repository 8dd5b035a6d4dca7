package io.berth.agent.retry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {

  @Test
  void theCeilingDoublesFromTheBaseUpToTheCap() {
    Backoff b = new Backoff(Duration.ofMillis(200), Duration.ofSeconds(10), () -> 0.999999);
    long[] expected = {200, 400, 800, 1600, 3200, 6400, 10_000, 10_000};
    for (long ceiling : expected) {
      long wait = b.next().toMillis();
      assertTrue(wait < ceiling && wait >= ceiling - 1, "wait " + wait + " for ceiling " + ceiling);
    }
  }

  @Test
  void fullJitterCanWaitNothingAndNeverReachesTheCeiling() {
    Backoff low = new Backoff(Duration.ofMillis(200), Duration.ofSeconds(10), () -> 0.0);
    for (int i = 0; i < 10; i++) {
      assertEquals(0, low.next().toMillis());
    }
    Backoff random = new Backoff(Duration.ofMillis(200), Duration.ofSeconds(10));
    for (int i = 0; i < 1000; i++) {
      long wait = random.next().toMillis();
      assertTrue(wait >= 0 && wait < 10_000, "wait " + wait);
    }
  }

  @Test
  void resetStartsOverAndManyFailuresDoNotOverflow() {
    Backoff b = new Backoff(Duration.ofMillis(200), Duration.ofSeconds(10), () -> 0.5);
    for (int i = 0; i < 500; i++) {
      assertTrue(b.next().toMillis() <= 5_000);
    }
    assertEquals(5_000, b.next().toMillis());
    b.reset();
    assertEquals(0, b.attempts());
    assertEquals(100, b.next().toMillis());
  }

  @Test
  void rejectsACapBelowTheBase() {
    assertThrows(IllegalArgumentException.class,
        () -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)));
  }
}
