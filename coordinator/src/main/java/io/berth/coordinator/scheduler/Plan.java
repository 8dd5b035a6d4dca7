package io.berth.coordinator.scheduler;

import io.berth.coordinator.state.JobKey;
import io.berth.proto.JobRecord;
import io.berth.proto.JobState;
import io.berth.proto.TaskRecord;
import java.util.List;
import java.util.Optional;

/**
 * What the scheduler wants changed for one job; the leader applies it as one write after
 * re-checking that the placements still fit.
 *
 * @param job the job planned for
 * @param jobVersion the job spec version the plan was computed against
 * @param place new tasks (desired RUN, state PENDING), each with its node and host ports
 * @param stop ids of tasks to set to desired STOP
 * @param forget ids of tasks that are desired STOP and finished: drop them from the state
 * @param failures why tasks could not be placed, one human line per group with a shortfall,
 *     e.g. "web: 2 of 3 not placed: 5 nodes evaluated: 2 exhausted memory, 3 port 80 in use"
 * @param markStable every service task of this job version ran healthy: record it as stable
 * @param revert a failed rolling update: the new job version to write (an earlier stable spec)
 * @param recheckAtMs the earliest time (the evaluation's clock) at which the job could be planned
 *     otherwise with no change to the state: a backoff ends, a task becomes healthy by running
 *     long enough or misses its deadline, a cron firing is due. {@link Long#MAX_VALUE}: only a
 *     change to the state can change the plan, so the leader need not evaluate the job again
 *     until something changes
 */
public record Plan(
    JobKey job,
    long jobVersion,
    List<TaskRecord> place,
    List<String> stop,
    List<String> forget,
    List<String> failures,
    boolean markStable,
    Optional<JobRecord> revert,
    long recheckAtMs) {

  public Plan(JobKey job, long jobVersion, List<TaskRecord> place, List<String> stop, List<String> forget,
      List<String> failures) {
    this(job, jobVersion, place, stop, forget, failures, false, Optional.empty(), Long.MAX_VALUE);
  }

  public Plan {
    place = List.copyOf(place);
    stop = List.copyOf(stop);
    forget = List.copyOf(forget);
    failures = List.copyOf(failures);
  }

  public boolean isEmpty() {
    return place.isEmpty() && stop.isEmpty() && forget.isEmpty() && !markStable && revert.isEmpty();
  }

  /**
   * The plan's change to the job record itself, applied by the plan applier to the state it
   * writes (already checked to be of {@link #jobVersion}): a revert becomes the new version with
   * the replaced one first in the history; stable is set on the current version.
   */
  public void applyJobChange(JobState old, JobState.Builder next) {
    if (revert.isPresent()) {
      JobHistory.next(old, next, revert.get());
    } else if (markStable) {
      next.setJob(old.getJob().toBuilder().setStable(true));
    }
  }
}
