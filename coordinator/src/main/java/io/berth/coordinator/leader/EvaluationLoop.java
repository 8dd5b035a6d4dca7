package io.berth.coordinator.leader;

import io.berth.coordinator.scheduler.Evaluation;
import io.berth.coordinator.scheduler.Plan;
import io.berth.coordinator.scheduler.Scheduler;
import io.berth.coordinator.state.ClusterSnapshot;
import io.berth.coordinator.state.ClusterStore;
import io.berth.coordinator.state.JobKey;
import io.berth.proto.JobState;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leader-only: evaluates jobs against the latest snapshot whenever nodes or jobs change (and on a
 * tick, for time-based rules), and commits the plans one at a time, waiting until its own write
 * is visible before planning again, so no plan is computed against a state that lacks the last one.
 * Other changes (members' records, rewritten every second) wait for the tick: an evaluation reads
 * every task of every job, and would otherwise run back to back on a steady cluster.
 */
public final class EvaluationLoop implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(EvaluationLoop.class);
  private static final long TICK_MS = 1000;

  private final ClusterStore store;
  private final Scheduler scheduler;
  private final PlanApplier applier;
  private final Clock clock;
  private final Object wake = new Object();
  private final Map<JobKey, List<String>> lastFailures = new ConcurrentHashMap<>();
  private final java.util.function.BooleanSupplier mayAct;
  private volatile boolean changed = true;
  private volatile boolean running = true;
  private ClusterSnapshot lastEvaluated; // the state the last evaluation of every job started from
  private long lastEvaluatedNanos;

  /** @param mayAct re-checked before every commit: false once leadership lapsed */
  public EvaluationLoop(ClusterStore store, Scheduler scheduler, Clock clock, java.util.function.BooleanSupplier mayAct) {
    this.store = store;
    this.scheduler = scheduler;
    this.applier = new PlanApplier(store);
    this.clock = clock;
    this.mayAct = mayAct;
  }

  /** State listener: something changed, evaluate soon. */
  public void onChange(ClusterSnapshot ignored) {
    if (!running) {
      return;
    }
    synchronized (wake) {
      changed = true;
      wake.notifyAll();
    }
  }

  /** Why tasks of a job are not placed, from its latest evaluation. */
  public List<String> placementFailures(JobKey job) {
    return lastFailures.getOrDefault(job, List.of());
  }

  public void stop() {
    running = false;
    onChange(null);
  }

  @Override
  public void run() {
    while (running) {
      try {
        synchronized (wake) {
          if (!changed) {
            wake.wait(TICK_MS);
          }
          changed = false;
        }
        if (running) {
          ClusterSnapshot snapshot = store.snapshot();
          boolean tickDue = System.nanoTime() - lastEvaluatedNanos >= TimeUnit.MILLISECONDS.toNanos(TICK_MS);
          if (tickDue || !snapshot.sameNodesAndJobs(lastEvaluated)) {
            lastEvaluated = snapshot;
            lastEvaluatedNanos = System.nanoTime();
            evaluateAll(snapshot);
          }
        }
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        LOG.warn("evaluation failed, retrying: {}", e.toString());
        sleepQuietly(500);
      }
    }
  }

  private void evaluateAll(ClusterSnapshot snapshot) {
    for (Map.Entry<JobKey, JobState> e : snapshot.jobs().entrySet()) {
      if (!running || !mayAct.getAsBoolean()) {
        return;
      }
      Evaluation eval = new Evaluation(UUID.randomUUID().toString(), e.getKey(), Evaluation.Trigger.PERIODIC, clock.millis());
      Plan plan = scheduler.schedule(eval, snapshot);
      if (plan.failures().isEmpty()) {
        lastFailures.remove(e.getKey());
      } else {
        lastFailures.put(e.getKey(), plan.failures());
      }
      long version = applier.apply(plan, snapshot);
      if (version > 0) {
        LOG.info("job {}: placed {}, stopped {}, forgot {}", e.getKey(), plan.place().size(), plan.stop().size(), plan.forget().size());
        snapshot = store.awaitVersion(version, Duration.ofSeconds(10));
      }
    }
  }

  private static void sleepQuietly(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
