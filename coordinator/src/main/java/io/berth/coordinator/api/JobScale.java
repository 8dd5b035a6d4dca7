package io.berth.coordinator.api;

import io.berth.proto.GroupSpec;
import io.berth.proto.JobSpec;
import io.berth.proto.JobState;
import io.berth.proto.JobStatus;
import io.grpc.Status;

/**
 * `berth job scale JOB GROUP N`: a new job version whose only change is one group's count. The
 * scheduler does the rest (new indexes placed; on scale down the highest indexes stop).
 */
final class JobScale {
  static final int MAX_COUNT = 100_000;

  private JobScale() {}

  /** Refuses what cannot be scaled, with what the user can do about it. */
  static void check(JobState js, String job, String group, int count) {
    if (count < 0 || count > MAX_COUNT) {
      throw Status.INVALID_ARGUMENT.withDescription(
          "count: must be between 0 and " + MAX_COUNT + " (got " + count + ")").asRuntimeException();
    }
    JobSpec spec = js.getJob().getSpec();
    if (spec.getGroupsList().stream().noneMatch(g -> g.getName().equals(group))) {
      throw Status.NOT_FOUND.withDescription("job " + job + " has no group " + group + " (groups: "
          + String.join(", ", spec.getGroupsList().stream().map(GroupSpec::getName).toList()) + ")")
          .asRuntimeException();
    }
    if (spec.getType().equals("global")) {
      throw Status.FAILED_PRECONDITION.withDescription(
          "job " + job + " is global: it runs one task per eligible node, count does not apply").asRuntimeException();
    }
    if (js.getJob().getStatus() == JobStatus.JOB_STOPPED) {
      throw Status.FAILED_PRECONDITION.withDescription(
          "job " + job + " is stopped: run it again with `berth job run -f FILE` first").asRuntimeException();
    }
  }

  /** The job with the group's count set, as a new version; the same object when it already was. */
  static JobState apply(JobState old, String group, int count, long nowMs) {
    if (old == null) {
      return null;
    }
    JobSpec.Builder spec = old.getJob().getSpec().toBuilder();
    boolean changed = false;
    for (int i = 0; i < spec.getGroupsCount(); i++) {
      if (spec.getGroups(i).getName().equals(group) && spec.getGroups(i).getCount() != count) {
        spec.setGroups(i, spec.getGroups(i).toBuilder().setCount(count));
        changed = true;
      }
    }
    if (!changed || old.getJob().getStatus() != JobStatus.JOB_RUNNING) {
      return old;
    }
    return JobVersions.next(old, old.getJob().toBuilder()
        .setSpec(spec)
        .setVersion(old.getJob().getVersion() + 1)
        .setSubmittedAtMs(nowMs).build());
  }

  static int countOf(JobState js, String group) {
    return js.getJob().getSpec().getGroupsList().stream()
        .filter(g -> g.getName().equals(group)).mapToInt(GroupSpec::getCount).findFirst().orElse(0);
  }
}
