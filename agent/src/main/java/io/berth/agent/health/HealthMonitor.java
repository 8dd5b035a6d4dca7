package io.berth.agent.health;

import io.berth.agent.threads.IdleEndingPool;
import io.berth.proto.TaskHealth;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the health checks of a node's running tasks, off the reconcile thread. Each task has at
 * most one check in flight: the next is scheduled {@code interval} after the previous ended, so
 * slow checks never pile up. Checks run on a small bounded pool (each bounded by its own
 * timeout); when the pool is full a check is skipped and tried again an interval later, counting
 * neither way. A task that leaves the watched set stops being checked, and a check still running
 * for it is ignored when it ends.
 */
public final class HealthMonitor implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HealthMonitor.class);

  private final HealthListener listener;
  private final LongSupplier clock;
  private final ScheduledThreadPoolExecutor timer;
  private final ThreadPoolExecutor runners;
  /** Guarded by this. */
  private final Map<String, Watch> watches = new HashMap<>();
  private volatile boolean closed;

  private final class Watch {
    final CheckTarget target;
    final HealthTracker tracker;
    ScheduledFuture<?> next;
    volatile boolean cancelled;

    Watch(CheckTarget target) {
      this.target = target;
      this.tracker = new HealthTracker(target.check(), clock.getAsLong());
    }
  }

  public HealthMonitor(HealthListener listener, int threads) {
    this(listener, threads, System::currentTimeMillis);
  }

  public HealthMonitor(HealthListener listener, int threads, LongSupplier clock) {
    this(listener, threads, clock, HealthMonitor::daemon);
  }

  /** With its timer and check threads made by {@code threadsNamed} (given the threads' name). */
  public HealthMonitor(HealthListener listener, int threads, LongSupplier clock,
      Function<String, ThreadFactory> threadsNamed) {
    this.listener = listener;
    this.clock = clock;
    this.timer = new ScheduledThreadPoolExecutor(1, threadsNamed.apply("berth-health-timer"));
    this.timer.setRemoveOnCancelPolicy(true);
    this.timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    this.runners = IdleEndingPool.of(threads, new ArrayBlockingQueue<>(threads * 16),
        threadsNamed.apply("berth-health-check"));
  }

  /**
   * The tasks to check now (the whole set): new ones start (first check at once), gone or
   * changed ones stop.
   */
  public synchronized void watch(Map<String, CheckTarget> targets) {
    if (closed) {
      return;
    }
    Map<String, CheckTarget> byKey = new HashMap<>();
    targets.values().forEach(t -> byKey.put(t.key(), t));
    watches.entrySet().removeIf(e -> {
      if (byKey.containsKey(e.getKey())) {
        return false;
      }
      cancel(e.getValue());
      return true;
    });
    for (Map.Entry<String, CheckTarget> e : byKey.entrySet()) {
      if (!watches.containsKey(e.getKey())) {
        Watch w = new Watch(e.getValue());
        watches.put(e.getKey(), w);
        schedule(w, 0);
      }
    }
  }

  /** How many tasks are being checked. */
  public synchronized int watching() {
    return watches.size();
  }

  private void cancel(Watch w) {
    w.cancelled = true;
    if (w.next != null) {
      w.next.cancel(false);
    }
  }

  private synchronized void schedule(Watch w, long delayMs) {
    if (closed || w.cancelled) {
      return;
    }
    try {
      w.next = timer.schedule(() -> submit(w), delayMs, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // closing
    }
  }

  private void submit(Watch w) {
    if (w.cancelled) {
      return;
    }
    try {
      runners.execute(() -> run(w));
    } catch (RejectedExecutionException e) {
      if (!closed) {
        log.debug("health checks are backed up; skipping one for {}", w.target.taskId());
        schedule(w, w.target.check().getIntervalMs());
      }
    }
  }

  private void run(Watch w) {
    CheckResult r;
    try {
      r = w.target.probe().check();
    } catch (RuntimeException e) {
      r = CheckResult.fail("check failed: " + Probes.reason(e));
    }
    if (w.cancelled) {
      return; // the task stopped while its check ran
    }
    java.util.Optional<TaskHealth> changed;
    synchronized (w) {
      changed = w.tracker.record(r, clock.getAsLong());
    }
    if (changed.isPresent()) {
      log.info("task {} is now {}: {}", w.target.taskId(),
          changed.get().name().replace("HEALTH_", "").toLowerCase(java.util.Locale.ROOT), r.output());
      try {
        listener.changed(w.target.taskId(), w.target.containerId(), changed.get(), r.output());
      } catch (RuntimeException e) {
        log.warn("could not report the health of {}: {}", w.target.taskId(), e.toString());
      }
    }
    schedule(w, w.target.check().getIntervalMs());
  }

  @Override
  public void close() {
    synchronized (this) {
      closed = true;
      watches.values().forEach(this::cancel);
      watches.clear();
    }
    timer.shutdownNow();
    runners.shutdownNow();
  }

  private static ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }
}
