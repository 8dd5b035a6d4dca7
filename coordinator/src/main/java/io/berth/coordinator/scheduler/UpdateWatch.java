package io.berth.coordinator.scheduler;

import io.berth.proto.GroupSpec;
import io.berth.proto.JobRecord;
import io.berth.proto.JobState;
import io.berth.proto.TaskRecord;
import io.berth.proto.TaskState;
import java.util.Optional;

/**
 * Judges a service job's latest version from its tasks: once every group has {@code count} tasks
 * of the current spec running healthy (for {@code min_healthy_time}, passing the group's health
 * check if it has one), the version is stable; if a task of the current spec fails, is reported
 * unhealthy by its check, or is not healthy {@code healthy_deadline} after its placement, before
 * the version became stable, the update failed and the job
 * reverts to the newest stable version in its history (unless the group says
 * {@code auto_revert: false}, or there is none: then the update halts where it is).
 */
final class UpdateWatch {

  /**
   * @param recheckAtMs when the verdict could change by time alone (a task reaches
   *     {@code min_healthy_time} or its {@code healthy_deadline}); {@link Long#MAX_VALUE}: never
   */
  record Verdict(boolean markStable, Optional<JobRecord> revert, Optional<String> line, long recheckAtMs) {
    static final Verdict NONE = new Verdict(false, Optional.empty(), Optional.empty(), Long.MAX_VALUE);

    static Verdict waitUntil(long recheckAtMs) {
      return new Verdict(false, Optional.empty(), Optional.empty(), recheckAtMs);
    }
  }

  private UpdateWatch() {}

  static Verdict judge(JobState js, long nowMs) {
    JobRecord job = js.getJob();
    if (job.getStable()) {
      return Verdict.NONE;
    }
    boolean allHealthy = true;
    long recheckAt = Long.MAX_VALUE;
    for (GroupSpec g : job.getSpec().getGroupsList()) {
      String current = GroupFingerprint.of(g);
      int healthy = 0;
      for (TaskRecord t : js.getTasksList()) {
        if (!t.getGroup().equals(g.getName()) || !TaskStates.wantsRun(t) || t.getIndex() >= g.getCount()
            || !current.equals(t.getGroupSpecHash())) {
          continue;
        }
        if (t.getState() == TaskState.TASK_FAILED) {
          return failed(js, g, t.getId() + " exited " + t.getExitCode(), nowMs);
        }
        // Health verdicts judge the tasks this version placed; older ones of the same spec (kept by
        // a scale) are restarted by the reconciler when unhealthy, not blamed on the new version.
        boolean placedByVersion = t.getCreatedAtMs() >= job.getSubmittedAtMs();
        if (placedByVersion && TaskStates.failingCheck(t)) {
          return failed(js, g, t.getId() + " failed its health check (" + t.getHealthOutput() + ")", nowMs);
        }
        if (RollingUpdate.healthy(t, g, nowMs)) {
          healthy++;
        } else if (placedByVersion && nowMs - t.getCreatedAtMs() >= RollingUpdate.healthyDeadlineMs(g)) {
          return failed(js, g, t.getId() + " was not healthy within " + RollingUpdate.healthyDeadlineMs(g)
              + " ms of its placement (" + notHealthyBecause(t) + ")", nowMs);
        } else {
          // Not healthy yet: time alone may make it healthy, or run out its deadline.
          recheckAt = Math.min(recheckAt, RollingUpdate.healthyByTimeAtMs(t, g));
          if (placedByVersion) {
            recheckAt = Math.min(recheckAt, t.getCreatedAtMs() + RollingUpdate.healthyDeadlineMs(g));
          }
        }
      }
      allHealthy &= healthy >= g.getCount();
    }
    return allHealthy ? new Verdict(true, Optional.empty(), Optional.empty(), Long.MAX_VALUE) : Verdict.waitUntil(recheckAt);
  }

  private static String notHealthyBecause(TaskRecord t) {
    if (t.getState() != TaskState.TASK_RUNNING) {
      return t.getState().name().replace("TASK_", "").toLowerCase(java.util.Locale.ROOT);
    }
    String output = t.getHealthOutput().isEmpty() ? "" : ": " + t.getHealthOutput();
    return switch (t.getHealth()) {
      case HEALTH_NONE -> "no check result yet";
      case HEALTH_UNKNOWN -> "its check has not passed yet" + output;
      default -> "running less than min_healthy_time";
    };
  }

  private static Verdict failed(JobState js, GroupSpec g, String reason, long nowMs) {
    JobRecord job = js.getJob();
    String what = "update to job version " + job.getVersion() + " failed: " + reason
        + " before the version was healthy";
    if (g.hasUpdate() && g.getUpdate().getNoAutoRevert()) {
      return new Verdict(false, Optional.empty(), Optional.of(what + " (auto_revert: false: the update halts)"),
          Long.MAX_VALUE);
    }
    Optional<JobRecord> target = js.getHistoryList().stream()
        .filter(JobRecord::getStable)
        .filter(r -> !r.getSpec().equals(job.getSpec()))
        .findFirst();
    if (target.isEmpty()) {
      // Nothing to go back to (a first version, or only failed ones): retries go on as usual.
      return Verdict.NONE;
    }
    String line = what + ": reverting to the spec of version " + target.get().getVersion()
        + " as version " + (job.getVersion() + 1);
    JobRecord revision = JobHistory.revision(js, target.get(), nowMs, line);
    return new Verdict(false, Optional.of(revision), Optional.of(line), Long.MAX_VALUE);
  }
}
