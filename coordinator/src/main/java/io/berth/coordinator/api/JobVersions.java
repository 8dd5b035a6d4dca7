package io.berth.coordinator.api;

import io.berth.proto.JobRecord;
import io.berth.proto.JobState;
import io.berth.proto.JobStatus;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;

/**
 * A job's earlier versions, kept in its state (newest first, the last {@link #KEPT}) so that
 * `berth job history` can list them and `berth job revert` can write one of them again.
 */
final class JobVersions {
  static final int KEPT = 10;

  private JobVersions() {}

  /** The state with {@code next} as its job and the replaced record first in the history. */
  static JobState next(JobState old, JobRecord next) {
    if (old == null) {
      return JobState.newBuilder().setJob(next).build();
    }
    List<JobRecord> history = new ArrayList<>();
    history.add(old.getJob());
    history.addAll(old.getHistoryList());
    return old.toBuilder().setJob(next).clearHistory()
        .addAllHistory(history.subList(0, Math.min(KEPT, history.size()))).build();
  }

  /** Current first. */
  static List<JobRecord> all(JobState js) {
    List<JobRecord> out = new ArrayList<>();
    out.add(js.getJob());
    out.addAll(js.getHistoryList());
    return out;
  }

  /** A new version whose spec is that of {@code version}; refuses a version no longer kept. */
  static JobState revert(JobState old, long version, long nowMs) {
    if (old == null) {
      return null;
    }
    JobRecord target = all(old).stream().filter(r -> r.getVersion() == version).findFirst()
        .orElseThrow(() -> Status.NOT_FOUND.withDescription("job " + old.getJob().getSpec().getName()
            + " has no version " + version + " (kept: " + all(old).stream().map(r -> "" + r.getVersion()).toList()
            + "; see `berth job history`)").asRuntimeException());
    JobRecord next = JobRecord.newBuilder()
        .setSpec(target.getSpec())
        .setVersion(old.getJob().getVersion() + 1)
        .setStatus(JobStatus.JOB_RUNNING)
        .setSubmittedAtMs(nowMs)
        .build();
    return next(old, next);
  }
}
