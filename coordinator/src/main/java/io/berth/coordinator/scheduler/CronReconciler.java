package io.berth.coordinator.scheduler;

import io.berth.coordinator.cron.CronSchedule;
import io.berth.proto.GroupSpec;
import io.berth.proto.JobRecord;
import io.berth.proto.JobSpec;
import io.berth.proto.NodeRecord;
import io.berth.proto.TaskRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * Sorts a cron job's tasks run by run. A run is every slot of the job started for one firing of
 * the schedule (the tasks' {@code run_at_ms}); within a run, slots behave as in a batch job (exit 0
 * completes, failures are retried under the restart policy). Everything is read from the tasks
 * and the clock of the evaluation, so the reconciler keeps no state of its own:
 *
 * <ul>
 *   <li>the firing due now is the latest one in the last {@link #STARTING_WINDOW_MS} (older ones
 *       are missed, not started late), not before the job version was submitted, and not yet
 *       started (no run at or after it exists; the newest run is never forgotten);
 *   <li>overlap {@code forbid} skips a firing while an earlier run is active, or when an earlier
 *       run finished after the firing (it was active then); {@code replace} stops the active runs
 *       and starts the new one; {@code allow} starts it regardless;
 *   <li>finished runs are kept for {@code job status}, the {@link #FINISHED_RUNS_KEPT} newest of
 *       them; older ones are forgotten.
 * </ul>
 */
final class CronReconciler {
  static final long STARTING_WINDOW_MS = 60_000;
  static final int FINISHED_RUNS_KEPT = 3;

  private final Map<String, NodeRecord> nodes;
  private final long nowMs;

  CronReconciler(Map<String, NodeRecord> nodes, long nowMs) {
    this.nodes = nodes;
    this.nowMs = nowMs;
  }

  /** How overlapping runs are handled; the spec's {@code overlap}, forbid when empty. */
  enum Overlap {
    ALLOW,
    FORBID,
    REPLACE;

    static Overlap of(String s) {
      return switch (s == null ? "" : s) {
        case "allow" -> ALLOW;
        case "replace" -> REPLACE;
        default -> FORBID;
      };
    }
  }

  private static final class Run {
    final long atMs;
    final List<TaskRecord> tasks = new ArrayList<>();
    Reconciliation r;
    boolean active;
    boolean dead; // nothing of it wants to run: it was stopped

    Run(long atMs) {
      this.atMs = atMs;
    }

    long finishedAtMs() {
      return tasks.stream().filter(TaskStates::wantsRun).mapToLong(TaskRecord::getUpdatedAtMs).max().orElse(0);
    }
  }

  Reconciliation reconcile(JobRecord job, List<TaskRecord> tasks) {
    JobSpec spec = job.getSpec();
    Reconciliation out = new Reconciliation();
    TreeMap<Long, Run> runs = new TreeMap<>();
    for (TaskRecord t : tasks) {
      if (t.getRunAtMs() <= 0) {
        // Not part of any run (placed before the job became a cron job): it has no place here.
        if (TaskStates.isForgettable(t)) {
          out.forget.add(t);
        } else if (TaskStates.wantsRun(t)) {
          out.stop.add(t);
        }
        continue;
      }
      runs.computeIfAbsent(t.getRunAtMs(), Run::new).tasks.add(t);
    }

    SlotReconciler slots = new SlotReconciler(JobType.CRON, nodes, nowMs);
    for (Run run : runs.values()) {
      run.dead = run.tasks.stream().noneMatch(TaskStates::wantsRun);
      Reconciliation r = run.dead ? SlotReconciler.stopAll(run.tasks) : slots.reconcile(spec, run.tasks);
      // A run only retries its own slots; new slots (a scale-up) start with the next firing.
      r.place.removeIf(p -> p.replaces().isEmpty());
      r.place.replaceAll(p -> p.forRun(run.atMs));
      prefix(r.backingOff, run.atMs);
      prefix(r.gaveUp, run.atMs);
      run.r = r;
      run.active = !run.dead
          && (run.tasks.stream().anyMatch(TaskStates::isLive) || !r.place.isEmpty() || !r.backingOff.isEmpty());
    }

    OptionalLong due = due(job, runs, out);
    boolean replaced = false;
    if (due.isPresent()) {
      long firing = due.getAsLong();
      List<Run> active = runs.values().stream().filter(x -> x.active).toList();
      Optional<Run> finishedLate = runs.values().stream()
          .filter(x -> !x.active && !x.dead && x.finishedAtMs() > firing).findFirst();
      switch (Overlap.of(spec.getOverlap())) {
        case ALLOW -> start(spec, firing, out);
        case FORBID -> {
          if (!active.isEmpty()) {
            out.backingOff.add("cron: run at " + iso(firing) + " skipped: the run at " + iso(active.get(0).atMs)
                + " is still active (overlap: forbid)");
          } else if (finishedLate.isPresent()) {
            out.backingOff.add("cron: run at " + iso(firing) + " skipped: the run at " + iso(finishedLate.get().atMs)
                + " was still active then (overlap: forbid)");
          } else {
            start(spec, firing, out);
          }
        }
        case REPLACE -> {
          for (Run run : active) {
            // Stop the whole run; its retries are dropped with it.
            Reconciliation stopping = SlotReconciler.stopAll(run.tasks);
            run.r = stopping;
            run.active = false;
            run.dead = true;
            replaced = true;
          }
          start(spec, firing, out);
        }
      }
    }
    if (replaced) {
      out.backingOff.add("cron: run at " + iso(due.getAsLong()) + " replaced the active run (overlap: replace)");
    }

    // History: the newest finished runs stay; older ones go (the newest run of all always stays).
    List<Run> finished = new ArrayList<>(runs.values().stream().filter(x -> !x.active && !x.dead).toList());
    java.util.Collections.reverse(finished);
    Long newest = runs.isEmpty() ? null : runs.lastKey();
    for (int i = 0; i < finished.size(); i++) {
      Run run = finished.get(i);
      if (i >= FINISHED_RUNS_KEPT && run.atMs != newest) {
        Reconciliation forget = new Reconciliation();
        forget.forget.addAll(run.tasks);
        run.r = forget;
      }
    }
    for (Run run : runs.values()) {
      out.addAll(run.r);
    }
    return out;
  }

  /** The firing to start now, if any; an unreadable schedule is reported, not thrown. */
  private OptionalLong due(JobRecord job, TreeMap<Long, Run> runs, Reconciliation out) {
    JobSpec spec = job.getSpec();
    CronSchedule schedule;
    try {
      schedule = CronSchedule.parse(spec.getSchedule(), spec.getTimeZone());
    } catch (IllegalArgumentException e) {
      out.backingOff.add("cron: schedule " + e.getMessage());
      return OptionalLong.empty();
    }
    schedule.nextAfter(nowMs).ifPresent(out::recheckAt); // the next firing comes due by time alone
    OptionalLong due = schedule.latestDue(nowMs, STARTING_WINDOW_MS);
    if (due.isEmpty()) {
      return due;
    }
    long firing = due.getAsLong();
    if (firing < job.getSubmittedAtMs() || runs.ceilingKey(firing) != null) {
      return OptionalLong.empty();
    }
    out.recheckAt(firing + STARTING_WINDOW_MS); // after which this firing is missed, not started
    if (spec.getGroupsList().stream().allMatch(g -> g.getCount() <= 0)) {
      return OptionalLong.empty(); // nothing to run: no empty run is recorded
    }
    return due;
  }

  private static void start(JobSpec spec, long firing, Reconciliation out) {
    for (GroupSpec g : spec.getGroupsList()) {
      for (int index = 0; index < g.getCount(); index++) {
        out.place.add(new PlacementRequest(g, index, Optional.empty(), Optional.empty(), 1, firing,
            PlacementRequest.Cause.PLACE));
      }
    }
  }

  private static void prefix(List<String> lines, long runAtMs) {
    lines.replaceAll(l -> "run at " + iso(runAtMs) + ": " + l);
  }

  static String iso(long ms) {
    return Instant.ofEpochMilli(ms).toString();
  }
}
