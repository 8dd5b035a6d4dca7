package io.berth.coordinator.leader;

import io.berth.coordinator.scheduler.Evaluation;
import io.berth.coordinator.scheduler.Plan;
import io.berth.coordinator.scheduler.Scheduler;
import io.berth.coordinator.state.ClusterSnapshot;
import io.berth.coordinator.state.ClusterStore;
import io.berth.coordinator.state.JobKey;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leader-only: evaluates every job against the latest snapshot whenever nodes change, and
 * commits the plans one at a time, waiting until its own write is visible before planning again,
 * so no plan is computed against a state that lacks the last one.
 *
 * <p>A change to jobs alone (a task's status, a new job) evaluates the jobs it touched and those
 * that could not place everything, as Nomad evaluates per job: a report from one task does not
 * re-read every task of every other job.
 *
 * <p>Between changes, a job is evaluated again only when its last plan's recheck time comes (a
 * restart backoff ends, a task has run min_healthy_time, a cron firing is due: {@link
 * Plan#recheckAtMs}), checked on a one-second tick. A steady cluster is therefore not evaluated at
 * all: an evaluation reads every task of its job, and re-reading a million tasks a second would
 * outgrow the second. Other changes (members' records, rewritten every second) evaluate nothing.
 * As a backstop, every job is evaluated at least every {@link #FULL_PASS_MS}.
 */
public final class EvaluationLoop implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(EvaluationLoop.class);
  private static final long TICK_MS = 1000;
  /** At least this often every job is evaluated, should a time-based rule fail to say when. */
  static final long FULL_PASS_MS = 60_000;

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
  private long lastFullPassNanos;
  private final Map<JobKey, Long> recheckAtMs = new HashMap<>(); // loop thread only
  private final Map<JobKey, LongAdder> evaluationCounts = new ConcurrentHashMap<>();

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

  /** How many times the job was evaluated by this loop. */
  public long evaluations(JobKey job) {
    LongAdder n = evaluationCounts.get(job);
    return n == null ? 0 : n.sum();
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
          Collection<JobKey> jobs = jobsToEvaluate(snapshot);
          lastEvaluated = snapshot;
          evaluate(snapshot, jobs);
        }
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        LOG.warn("evaluation failed, retrying: {}", e.toString());
        lastEvaluated = null; // the pass may have stopped half way: the next one takes every job
        sleepQuietly(500);
      }
    }
  }

  /**
   * Every job when the nodes changed (or for the backstop); otherwise the jobs whose records or
   * tasks changed since the last pass, those that could not place everything (another job's change
   * may have made room), and those whose recheck time has come.
   */
  private Collection<JobKey> jobsToEvaluate(ClusterSnapshot snapshot) {
    long nowNanos = System.nanoTime();
    if (!snapshot.sameNodes(lastEvaluated) || nowNanos - lastFullPassNanos >= TimeUnit.MILLISECONDS.toNanos(FULL_PASS_MS)) {
      lastFullPassNanos = nowNanos;
      List<JobKey> all = snapshot.jobKeys();
      recheckAtMs.keySet().retainAll(all);
      lastFailures.keySet().retainAll(all);
      return all;
    }
    java.util.Set<JobKey> out = new java.util.TreeSet<>();
    if (!snapshot.sameNodesAndJobs(lastEvaluated)) {
      for (JobKey job : snapshot.jobKeys()) {
        if (!snapshot.sameJob(job, lastEvaluated) || lastFailures.containsKey(job)) {
          out.add(job);
        }
      }
    }
    if (!recheckAtMs.isEmpty()) {
      long now = clock.millis();
      recheckAtMs.forEach((job, at) -> {
        if (at <= now) {
          out.add(job);
        }
      });
    }
    return out;
  }

  private void evaluate(ClusterSnapshot snapshot, Collection<JobKey> jobs) {
    for (JobKey job : List.copyOf(jobs)) {
      if (!running || !mayAct.getAsBoolean()) {
        return;
      }
      if (snapshot.jobWithoutTasks(job).isEmpty()) {
        recheckAtMs.remove(job);
        lastFailures.remove(job);
        continue; // deleted meanwhile
      }
      Evaluation eval = new Evaluation(UUID.randomUUID().toString(), job, Evaluation.Trigger.PERIODIC, clock.millis());
      Plan plan = scheduler.schedule(eval, snapshot);
      evaluationCounts.computeIfAbsent(job, k -> new LongAdder()).increment();
      if (plan.failures().isEmpty()) {
        lastFailures.remove(job);
      } else {
        lastFailures.put(job, plan.failures());
      }
      long version = applier.apply(plan, snapshot);
      // A plan that wrote changes the state (every job is evaluated again); one that could not
      // be written is tried again at the next tick.
      long recheck = !plan.isEmpty() && version <= 0 ? eval.nowMs() + TICK_MS : plan.recheckAtMs();
      if (recheck == Long.MAX_VALUE) {
        recheckAtMs.remove(job);
      } else {
        recheckAtMs.put(job, recheck);
      }
      if (version > 0) {
        LOG.info("job {}: placed {}, stopped {}, forgot {}", job, plan.place().size(), plan.stop().size(), plan.forget().size());
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
