package io.berth.coordinator.scheduler;

import io.berth.proto.JobRecord;
import io.berth.proto.JobState;
import io.berth.proto.JobStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A job's earlier versions, kept in its state (newest first, the last {@link #KEPT}): listed by
 * `berth job history`, written again by `berth job revert` and by an automatic revert of a failed
 * rolling update (to the newest version that was {@code stable}).
 */
public final class JobHistory {
  public static final int KEPT = 10;

  private JobHistory() {}

  /** The state with {@code next} as its job and the replaced record first in the history. */
  public static JobState next(JobState old, JobRecord next) {
    if (old == null) {
      return JobState.newBuilder().setJob(next).build();
    }
    return old.toBuilder().setJob(next).clearHistory().addAllHistory(pushed(old)).build();
  }

  /** Applies {@code next} as the job of a state being built from {@code old}. */
  static void next(JobState old, JobState.Builder b, JobRecord next) {
    b.setJob(next).clearHistory().addAllHistory(pushed(old));
  }

  private static List<JobRecord> pushed(JobState old) {
    List<JobRecord> history = new ArrayList<>();
    history.add(old.getJob());
    history.addAll(old.getHistoryList());
    return history.subList(0, Math.min(KEPT, history.size()));
  }

  /** Current first. */
  public static List<JobRecord> all(JobState js) {
    List<JobRecord> out = new ArrayList<>();
    out.add(js.getJob());
    out.addAll(js.getHistoryList());
    return out;
  }

  public static Optional<JobRecord> version(JobState js, long version) {
    return all(js).stream().filter(r -> r.getVersion() == version).findFirst();
  }

  /**
   * A new running version (current + 1) with the spec of {@code target}. It is as stable as the
   * target: a spec that ran healthy is not judged again, so a crash while rolling back to it does
   * not revert further back.
   */
  public static JobRecord revision(JobState old, JobRecord target, long nowMs) {
    return revision(old, target, nowMs, "berth job revert to version " + target.getVersion());
  }

  /** As {@link #revision(JobState, JobRecord, long)}, saying why (shown by `berth job history`). */
  public static JobRecord revision(JobState old, JobRecord target, long nowMs, String reason) {
    return JobRecord.newBuilder()
        .setReason(reason)
        .setSpec(target.getSpec())
        .setVersion(old.getJob().getVersion() + 1)
        .setStatus(JobStatus.JOB_RUNNING)
        .setSubmittedAtMs(nowMs)
        .setStable(target.getStable())
        .build();
  }
}
