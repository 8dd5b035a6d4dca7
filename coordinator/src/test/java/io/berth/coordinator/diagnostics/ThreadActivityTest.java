package io.berth.coordinator.diagnostics;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** The activity report names the thread that burned the CPU, and who holds the lock a watched thread waits on. */
class ThreadActivityTest {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private static volatile long sink;

  private static void spin(CountDownLatch stop) {
    long x = 0;
    while (stop.getCount() > 0) {
      x += System.nanoTime() % 7;
    }
    sink = x;
  }

  /** Waits for the condition without spinning: this thread must not be the busiest itself. */
  private static void await(BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "condition not reached in 30 s");
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
    }
  }

  @Test
  void theBusiestThreadAndAWatchedThreadWaitingOnALockAreShown() throws Exception {
    ThreadActivity activity = new ThreadActivity(List.of("raft-server-test"), 3);
    Object lock = new Object();
    CountDownLatch stop = new CountDownLatch(1);
    CountDownLatch locked = new CountDownLatch(1);
    Thread holder = new Thread(() -> {
      synchronized (lock) {
        locked.countDown();
        spin(stop);
      }
    }, "test-busy-holder");
    Thread waiter = new Thread(() -> {
      synchronized (lock) {
        sink++;
      }
    }, "raft-server-test-waiter");
    activity.mark();
    holder.start();
    assertTrue(locked.await(10, TimeUnit.SECONDS));
    waiter.start();
    try {
      await(() -> THREADS.getThreadCpuTime(holder.getId()) >= 200_000_000L && waiter.getState() == Thread.State.BLOCKED);

      String report = activity.report();

      assertTrue(report.startsWith("over the last "), report);
      assertTrue(report.contains("\"test-busy-holder\" RUNNABLE, CPU "), "the busiest thread is shown: " + report);
      assertTrue(report.contains("ThreadActivityTest.spin"), "with its stack: " + report);
      assertTrue(report.contains("\"raft-server-test-waiter\" BLOCKED, CPU ")
          && report.contains("held by \"test-busy-holder\""), "a watched thread, and who holds its lock: " + report);
    } finally {
      stop.countDown();
      holder.join();
      waiter.join();
    }
  }

  @Test
  void theNextReportCoversOnlyTheTimeSinceThePreviousOne() throws Exception {
    ThreadActivity activity = new ThreadActivity(List.of(), 1);
    CountDownLatch stopSpinning = new CountDownLatch(1);
    CountDownLatch end = new CountDownLatch(1);
    Thread once = new Thread(() -> {
      spin(stopSpinning);
      try {
        end.await(); // alive but idle from here on
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "test-busy-once");
    activity.mark();
    once.start();
    try {
      await(() -> THREADS.getThreadCpuTime(once.getId()) >= 200_000_000L);
      stopSpinning.countDown();
      await(() -> once.getState() == Thread.State.WAITING);
      String first = activity.report();
      assertTrue(first.contains("\"test-busy-once\""), "busiest in the first interval: " + first);

      String next = activity.report();

      assertFalse(next.contains("test-busy-once"), "its earlier CPU does not count in the next interval: " + next);
    } finally {
      end.countDown();
      once.join();
    }
  }
}
