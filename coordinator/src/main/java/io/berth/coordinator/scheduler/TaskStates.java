package io.berth.coordinator.scheduler;

import io.berth.proto.DesiredState;
import io.berth.proto.TaskHealth;
import io.berth.proto.TaskRecord;
import io.berth.proto.TaskState;

/** The scheduler's reading of a task's lifecycle: live tasks hold a slot and resources. */
final class TaskStates {

  private TaskStates() {}

  /** Pending, starting or running: the container exists or is about to. */
  static boolean isActive(TaskState s) {
    return s == TaskState.TASK_PENDING || s == TaskState.TASK_STARTING || s == TaskState.TASK_RUNNING;
  }

  static boolean isTerminal(TaskState s) {
    return s == TaskState.TASK_EXITED
        || s == TaskState.TASK_FAILED
        || s == TaskState.TASK_STOPPED
        || s == TaskState.TASK_LOST;
  }

  /** Desired to run and not finished: it fills its slot and holds its node's resources. */
  static boolean isLive(TaskRecord t) {
    return t.getDesired() == DesiredState.DESIRED_RUN && isActive(t.getState());
  }

  static boolean wantsRun(TaskRecord t) {
    return t.getDesired() == DesiredState.DESIRED_RUN;
  }

  /** Stopped on purpose and finished: only history, which the plan drops. */
  static boolean isForgettable(TaskRecord t) {
    return t.getDesired() == DesiredState.DESIRED_STOP && isTerminal(t.getState());
  }

  /**
   * Running, but its health check has failed {@code unhealthy_after} times in a row (the agent
   * reports it only past the check's grace period): the scheduler restarts it like a failed task.
   */
  static boolean failingCheck(TaskRecord t) {
    return t.getState() == TaskState.TASK_RUNNING && t.getHealth() == TaskHealth.HEALTH_UNHEALTHY;
  }

  /** Oldest first (created_at_ms, then id): the order that decides which duplicate survives. */
  static int olderFirst(TaskRecord a, TaskRecord b) {
    int c = Long.compare(a.getCreatedAtMs(), b.getCreatedAtMs());
    return c != 0 ? c : a.getId().compareTo(b.getId());
  }
}
