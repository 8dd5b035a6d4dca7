package io.berth.coordinator.api;

import io.berth.coordinator.scheduler.JobHistory;
import io.berth.proto.JobRecord;
import io.berth.proto.JobState;
import io.grpc.Status;

/** `berth job history` / `berth job revert` over {@link JobHistory}, with the API's refusals. */
final class JobVersions {
  private JobVersions() {}

  static JobState next(JobState old, JobRecord next) {
    return JobHistory.next(old, next);
  }

  /** A new version whose spec is that of {@code version}; refuses a version no longer kept. */
  static JobState revert(JobState old, long version, long nowMs) {
    if (old == null) {
      return null;
    }
    JobRecord target = JobHistory.version(old, version).orElseThrow(() -> Status.NOT_FOUND.withDescription(
        "job " + old.getJob().getSpec().getName() + " has no version " + version + " (kept: "
            + JobHistory.all(old).stream().map(r -> "" + r.getVersion()).toList() + "; see `berth job history`)")
        .asRuntimeException());
    return JobHistory.next(old, JobHistory.revision(old, target, nowMs));
  }
}
