package io.berth.coordinator.scheduler;

import io.berth.proto.GroupSpec;
import io.berth.proto.JobRecord;
import io.berth.proto.JobState;
import io.berth.proto.TaskRecord;
import io.berth.proto.TaskState;
import java.util.Optional;

/**
 * Judges a service job's latest version from its tasks: once every group has {@code count} tasks
 * of the current spec running healthy (for {@code min_healthy_time}), the version is stable; if a
 * task of the current spec fails before the version became stable, the update failed and the job
 * reverts to the newest stable version in its history (unless the group says
 * {@code auto_revert: false}, or there is none: then the update halts where it is).
 */
final class UpdateWatch {

  record Verdict(boolean markStable, Optional<JobRecord> revert, Optional<String> line) {
    static final Verdict NONE = new Verdict(false, Optional.empty(), Optional.empty());
  }

  private UpdateWatch() {}

  static Verdict judge(JobState js, long nowMs) {
    JobRecord job = js.getJob();
    if (job.getStable()) {
      return Verdict.NONE;
    }
    boolean allHealthy = true;
    for (GroupSpec g : job.getSpec().getGroupsList()) {
      String current = GroupFingerprint.of(g);
      int healthy = 0;
      for (TaskRecord t : js.getTasksList()) {
        if (!t.getGroup().equals(g.getName()) || !TaskStates.wantsRun(t) || t.getIndex() >= g.getCount()
            || !current.equals(t.getGroupSpecHash())) {
          continue;
        }
        if (t.getState() == TaskState.TASK_FAILED) {
          return failed(js, g, t, nowMs);
        }
        if (RollingUpdate.healthy(t, g, nowMs)) {
          healthy++;
        }
      }
      allHealthy &= healthy >= g.getCount();
    }
    return allHealthy ? new Verdict(true, Optional.empty(), Optional.empty()) : Verdict.NONE;
  }

  private static Verdict failed(JobState js, GroupSpec g, TaskRecord t, long nowMs) {
    JobRecord job = js.getJob();
    String what = "update to job version " + job.getVersion() + " failed: " + t.getId() + " exited "
        + t.getExitCode() + " before the version was healthy";
    if (g.hasUpdate() && g.getUpdate().getNoAutoRevert()) {
      return new Verdict(false, Optional.empty(), Optional.of(what + " (auto_revert: false: the update halts)"));
    }
    Optional<JobRecord> target = js.getHistoryList().stream()
        .filter(JobRecord::getStable)
        .filter(r -> !r.getSpec().equals(job.getSpec()))
        .findFirst();
    if (target.isEmpty()) {
      // Nothing to go back to (a first version, or only failed ones): retries go on as usual.
      return Verdict.NONE;
    }
    JobRecord revision = JobHistory.revision(js, target.get(), nowMs);
    return new Verdict(false, Optional.of(revision),
        Optional.of(what + ": reverting to the spec of version " + target.get().getVersion()
            + " as version " + revision.getVersion()));
  }
}
