package io.berth.coordinator.state;

import io.berth.proto.DesiredState;
import io.berth.proto.GroupSpec;
import io.berth.proto.JobState;
import io.berth.proto.JobStatus;
import io.berth.proto.TaskRecord;

/**
 * How many of a job's tasks desired to run are running, pending (placed or starting) and failed
 * (failed or lost). Each job's entry keeps its counts up to date as its tasks change, so a job
 * listing reads three numbers per job instead of walking every task (a listing of a
 * 1,000,000-task cluster walked them all, and the bench polls it).
 */
public record TaskCounts(int running, int pending, int failed) {

  public static final TaskCounts NONE = new TaskCounts(0, 0, 0);

  /** How many tasks a job asks for: its groups' counts while it runs, none once stopped. */
  public static int desired(JobState job) {
    if (job.getJob().getStatus() != JobStatus.JOB_RUNNING) {
      return 0;
    }
    int n = 0;
    for (GroupSpec g : job.getJob().getSpec().getGroupsList()) {
      n += g.getCount();
    }
    return n;
  }

  /** The counts of {@code tasks}, walked once. */
  public static TaskCounts of(Iterable<TaskRecord> tasks) {
    TaskCounts c = NONE;
    for (TaskRecord t : tasks) {
      c = c.replacing(null, t);
    }
    return c;
  }

  /** These counts after {@code before} (null: none) became {@code after} (null: removed). */
  public TaskCounts replacing(TaskRecord before, TaskRecord after) {
    int r = running, p = pending, f = failed;
    switch (bucket(before)) {
      case RUNNING -> r--;
      case PENDING -> p--;
      case FAILED -> f--;
      case NONE -> { }
    }
    switch (bucket(after)) {
      case RUNNING -> r++;
      case PENDING -> p++;
      case FAILED -> f++;
      case NONE -> { }
    }
    return r == running && p == pending && f == failed ? this : new TaskCounts(r, p, f);
  }

  private enum Bucket { RUNNING, PENDING, FAILED, NONE }

  private static Bucket bucket(TaskRecord t) {
    if (t == null || t.getDesired() != DesiredState.DESIRED_RUN) {
      return Bucket.NONE;
    }
    return switch (t.getState()) {
      case TASK_RUNNING -> Bucket.RUNNING;
      case TASK_PENDING, TASK_STARTING -> Bucket.PENDING;
      case TASK_FAILED, TASK_LOST -> Bucket.FAILED;
      default -> Bucket.NONE;
    };
  }
}
