package io.berth.coordinator.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.junit.jupiter.api.Assertions;

/** Polls until a condition holds or a deadline passes (tests never sleep a fixed time). */
public final class Await {
  private Await() {}

  public static void until(String what, Duration timeout, BooleanSupplier condition) {
    until(what, timeout, condition::getAsBoolean, ok -> ok);
  }

  /** Retries {@code probe} (exceptions count as "not yet") until its value passes {@code done}. */
  public static <T> T until(String what, Duration timeout, Supplier<T> probe, Predicate<T> done) {
    long deadline = System.nanoTime() + timeout.toNanos();
    RuntimeException last = null;
    while (true) {
      try {
        T v = probe.get();
        if (done.test(v)) {
          return v;
        }
      } catch (RuntimeException e) {
        last = e;
      }
      if (System.nanoTime() > deadline) {
        Assertions.fail("timed out after " + timeout.toMillis() + " ms waiting for " + what
            + (last == null ? "" : " (last error: " + last + ")"));
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        Assertions.fail("interrupted while waiting for " + what);
      }
    }
  }
}
