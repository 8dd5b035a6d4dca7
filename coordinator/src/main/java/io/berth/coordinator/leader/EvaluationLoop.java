package io.berth.coordinator.leader;

import io.berth.coordinator.scheduler.Evaluation;
import io.berth.coordinator.scheduler.Plan;
import io.berth.coordinator.scheduler.Scheduler;
import io.berth.coordinator.state.ClusterSnapshot;
import io.berth.coordinator.state.ClusterStore;
import io.berth.coordinator.state.JobKey;
import io.berth.coordinator.state.TaskCounts;
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
 * <p>A job whose last evaluation found nothing to do is paced: a change to it waits until twice
 * that evaluation's cost has passed (a 100,000-task job reporting in is not evaluated back to back).
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
  /** One wait for this member's replica to apply a plan; waited again while still leader. */
  private static final Duration REPLICA_WAIT = Duration.ofSeconds(10);

  private final ClusterStore store;
  private final Scheduler scheduler;
  private final PlanApplier applier;
  private final Clock clock;
  private final Object wake = new Object();
  private final Map<JobKey, List<String>> lastFailures = new ConcurrentHashMap<>();
  private final java.util.function.BooleanSupplier mayAct;
  private volatile boolean changed = true;
  private volatile boolean running = true;
  private ClusterSnapshot.Marks lastEvaluated; // the state the last evaluation of every job started from
  private long lastFullPassNanos;
  private final Map<JobKey, Long> recheckAtMs = new HashMap<>(); // loop thread only
  private final Map<JobKey, LongAdder> evaluationCounts = new ConcurrentHashMap<>();
  /**
   * Jobs whose last evaluation found nothing to do, by when (System.nanoTime) another evaluation
   * prompted by their own change may start: twice that evaluation's cost after it ended. A job of
   * 100,000 tasks whose tasks report in one after another would otherwise be evaluated back to back
   * (~0.15 s each: a whole core of the leader) to find nothing to do each time; paced, its
   * evaluations take at most a third of the loop, and a change is acted on within 3x an evaluation.
   */
  private final Map<JobKey, Long> pacedUntilNanos = new HashMap<>(); // loop thread only
  private final java.util.Set<JobKey> deferred = new java.util.TreeSet<>(); // changed, waiting for their pace

  /** @param mayAct re-checked before every commit: false once leadership lapsed */
  public EvaluationLoop(ClusterStore store, Scheduler scheduler, Clock clock, java.util.function.BooleanSupplier mayAct) {
    this.store = store;
    this.scheduler = scheduler;
    this.applier = new PlanApplier(store);
    this.clock = clock;
    this.mayAct = mayAct;
  }

  /**
   * How many times its own cost a job that had nothing to do waits before its next change is
   * evaluated (default 2; 0: not paced, for comparing in tests).
   */
  EvaluationLoop withPace(int factor) {
    this.paceFactor = factor;
    return this;
  }

  private volatile int paceFactor = 2;

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

  /** The state version the job's latest evaluation planned against (0: never evaluated). */
  public long evaluatedVersion(JobKey job) {
    return evaluatedVersions.getOrDefault(job, 0L);
  }

  private final Map<JobKey, Long> evaluatedVersions = new ConcurrentHashMap<>();

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
            wake.wait(waitMs());
          }
          changed = false;
        }
        if (running) {
          ClusterSnapshot snapshot = store.snapshot();
          Collection<JobKey> jobs = jobsToEvaluate(snapshot);
          lastEvaluated = snapshot.marks();
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

  /** Until the next tick, or sooner when a deferred job's pace ends first. */
  private long waitMs() {
    long now = System.nanoTime();
    long ms = TICK_MS;
    for (JobKey job : deferred) {
      long until = pacedUntilNanos.getOrDefault(job, now);
      ms = Math.min(ms, TimeUnit.NANOSECONDS.toMillis(until - now) + 1);
    }
    return Math.max(1, ms);
  }

  /** Whether an evaluation for the job's own change must wait for its pace still. */
  private boolean pacing(JobKey job, long nowNanos) {
    Long until = pacedUntilNanos.get(job);
    return until != null && until - nowNanos > 0;
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
      deferred.clear();
      List<JobKey> all = snapshot.jobKeys();
      pacedUntilNanos.keySet().retainAll(all);
      recheckAtMs.keySet().retainAll(all);
      lastFailures.keySet().retainAll(all);
      return shortOfTasksFirst(snapshot, all);
    }
    java.util.Set<JobKey> out = new java.util.TreeSet<>();
    if (!snapshot.sameNodesAndJobs(lastEvaluated)) {
      for (JobKey job : snapshot.jobKeys()) {
        if (lastFailures.containsKey(job)) {
          out.add(job);
        } else if (!snapshot.sameJob(job, lastEvaluated)) {
          if (pacing(job, nowNanos)) {
            deferred.add(job); // its change is kept: evaluated when the pace ends
          } else {
            out.add(job);
          }
        }
      }
    }
    for (java.util.Iterator<JobKey> it = deferred.iterator(); it.hasNext(); ) {
      JobKey job = it.next();
      if (out.contains(job) || !pacing(job, nowNanos)) {
        out.add(job);
        it.remove();
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
    return shortOfTasksFirst(snapshot, List.copyOf(out));
  }

  /**
   * A pass over jobs in this order: first the jobs with fewer tasks pending or running than
   * they ask for ({@link TaskCounts#desired}: a stopped job asks for none; read from the counts
   * each job keeps, nothing walked), then the rest, each
   * in name order. Only the order: what a job needs is still its evaluation's to say. A new leader
   * evaluates every job, and with 1,000,000 tasks on a loaded machine each evaluation took seconds;
   * leaders lasting less than a pass spent it on settled jobs and never reached the one waiting to
   * be placed (a bench run stalled at 700,000 tasks that way); and while placed jobs' tasks report
   * in, each pass took those jobs first by name.
   */
  static List<JobKey> shortOfTasksFirst(ClusterSnapshot snapshot, List<JobKey> jobs) {
    List<JobKey> out = new java.util.ArrayList<>(jobs.size());
    List<JobKey> rest = new java.util.ArrayList<>();
    for (JobKey job : jobs) {
      int wanted = snapshot.jobWithoutTasks(job).map(TaskCounts::desired).orElse(0);
      TaskCounts counts = snapshot.taskCounts(job);
      (counts.running() + counts.pending() < wanted ? out : rest).add(job);
    }
    out.addAll(rest);
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
        pacedUntilNanos.remove(job);
        deferred.remove(job);
        continue; // deleted meanwhile
      }
      Evaluation eval = new Evaluation(UUID.randomUUID().toString(), job, Evaluation.Trigger.PERIODIC, clock.millis());
      long startNanos = System.nanoTime();
      Plan plan = scheduler.schedule(eval, snapshot);
      long endNanos = System.nanoTime();
      if (plan.isEmpty()) {
        pacedUntilNanos.put(job, endNanos + paceFactor * (endNanos - startNanos));
      } else {
        pacedUntilNanos.remove(job); // work in progress: its next step is not held back
      }
      deferred.remove(job);
      evaluationCounts.computeIfAbsent(job, k -> new LongAdder()).increment();
      evaluatedVersions.put(job, snapshot.version());
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
        snapshot = awaitOwnPlan(version);
        if (snapshot == null) {
          return; // no longer leader (or stopping): the next leader starts from its own state
        }
      }
    }
  }

  /**
   * The state including the plan just committed, before the next job is planned (planned
   * without it, a job would be placed twice). The write is acknowledged, so this member's replica
   * will apply it; on a loaded machine that took more than one wait, and giving up (as a failed
   * evaluation) cost a pass over every job. So it waits on while this coordinator may act.
   *
   * @return null once this coordinator may not act any more, or is stopping
   */
  private ClusterSnapshot awaitOwnPlan(long version) {
    while (running && mayAct.getAsBoolean()) {
      try {
        return store.awaitVersion(version, REPLICA_WAIT);
      } catch (ClusterStore.StoreUnavailableException e) {
        if (Thread.currentThread().isInterrupted()) {
          throw e;
        }
        LOG.info("waiting on for this member's replica to apply the plan just committed: {}", e.getMessage());
      }
    }
    return null;
  }

  private static void sleepQuietly(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
