package io.berth.coordinator.scheduler;

import io.berth.coordinator.cron.CronSchedule;
import io.berth.proto.GroupSpec;
import io.berth.proto.JobSpec;
import io.berth.proto.JobState;
import io.berth.proto.JobStatus;
import io.berth.proto.TaskRecord;
import io.berth.proto.TaskState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * What became of a batch job or of a cron job's runs, in lines for {@code berth job status}:
 * complete, still running, or given up (which slot, after how many attempts, with which exit
 * codes); for a service or global job, how far a rolling update got. Read from the job's records alone.
 */
public final class JobOutcome {

  private JobOutcome() {}

  public static List<String> describe(JobState js, long nowMs) {
    JobSpec spec = js.getJob().getSpec();
    JobType type = JobType.parse(spec.getType()).orElse(JobType.SERVICE);
    List<String> lines = new ArrayList<>();
    if (type == JobType.BATCH) {
      lines.add(run(spec, js.getTasksList()));
    } else if (type == JobType.CRON) {
      lines.add(schedule(spec, js.getJob().getStatus(), nowMs));
      Map<Long, List<TaskRecord>> runs = new TreeMap<>(java.util.Comparator.reverseOrder());
      for (TaskRecord t : js.getTasksList()) {
        if (t.getRunAtMs() > 0) {
          runs.computeIfAbsent(t.getRunAtMs(), k -> new ArrayList<>()).add(t);
        }
      }
      runs.forEach((at, tasks) -> lines.add("run at " + CronReconciler.iso(at) + ": " + run(spec, tasks)));
    } else if (js.getJob().getStatus() == JobStatus.JOB_RUNNING) {
      update(js).ifPresent(lines::add);
    }
    return lines;
  }

  /** A service or global job in the middle of a rolling update: how far it got. */
  private static java.util.Optional<String> update(JobState js) {
    Map<String, String> current = js.getJob().getSpec().getGroupsList().stream()
        .collect(Collectors.toMap(GroupSpec::getName, GroupFingerprint::of));
    int live = 0;
    int updated = 0;
    for (TaskRecord t : js.getTasksList()) {
      if (!TaskStates.isLive(t) || t.getGroupSpecHash().isEmpty() || !current.containsKey(t.getGroup())) {
        continue;
      }
      live++;
      if (t.getGroupSpecHash().equals(current.get(t.getGroup()))) {
        updated++;
      }
    }
    if (updated == live) {
      return java.util.Optional.of("version " + js.getJob().getVersion()
          + (js.getJob().getStable() ? ": stable" : ": not yet stable (every task running for min_healthy_time)"));
    }
    return java.util.Optional.of("updating to version " + js.getJob().getVersion() + ": " + updated + " of " + live
        + " tasks updated");
  }

  private static String schedule(JobSpec spec, JobStatus status, long nowMs) {
    String zone = spec.getTimeZone().isEmpty() ? "UTC" : spec.getTimeZone();
    String overlap = spec.getOverlap().isEmpty() ? "forbid" : spec.getOverlap();
    String head = "schedule " + spec.getSchedule() + " (" + zone + "), overlap " + overlap;
    if (status == JobStatus.JOB_STOPPED) {
      return head + "; stopped";
    }
    try {
      OptionalLong next = CronSchedule.parse(spec.getSchedule(), spec.getTimeZone()).nextAfter(nowMs);
      return head + (next.isPresent() ? "; next run at " + CronReconciler.iso(next.getAsLong()) : "; fires no more");
    } catch (IllegalArgumentException e) {
      return head + "; " + e.getMessage();
    }
  }

  /** One run's (or a batch job's) outcome over its slots' latest tasks. */
  private static String run(JobSpec spec, List<TaskRecord> tasks) {
    Map<String, TaskRecord> latest = new TreeMap<>();
    for (TaskRecord t : tasks) {
      if (!TaskStates.wantsRun(t)) {
        continue;
      }
      latest.merge(t.getGroup() + "[" + t.getIndex() + "]", t, (a, b) -> TaskStates.olderFirst(a, b) >= 0 ? a : b);
    }
    if (latest.isEmpty()) {
      return "stopped";
    }
    Map<String, GroupSpec> groups = spec.getGroupsList().stream()
        .collect(Collectors.toMap(GroupSpec::getName, g -> g));
    int complete = 0;
    List<String> gaveUp = new ArrayList<>();
    for (Map.Entry<String, TaskRecord> e : latest.entrySet()) {
      TaskRecord t = e.getValue();
      GroupSpec g = groups.getOrDefault(t.getGroup(), GroupSpec.getDefaultInstance());
      if (t.getState() == TaskState.TASK_EXITED) {
        complete++;
      } else if (RestartBackoff.gaveUp(t, g.getRestart())) {
        gaveUp.add(e.getKey() + " gave up after " + SlotReconciler.attemptOf(t) + " attempts, exit codes "
            + exitCodes(t));
      }
    }
    if (!gaveUp.isEmpty()) {
      return "failed: " + String.join("; ", gaveUp);
    }
    if (complete == latest.size()) {
      return "complete: " + complete + " of " + complete + " tasks exited 0";
    }
    return "running: " + complete + " of " + latest.size() + " tasks complete";
  }

  static String exitCodes(TaskRecord t) {
    List<Integer> codes = new ArrayList<>(t.getEarlierExitCodesList());
    codes.add(t.getExitCode());
    return codes.stream().map(String::valueOf).collect(Collectors.joining(", "));
  }
}
