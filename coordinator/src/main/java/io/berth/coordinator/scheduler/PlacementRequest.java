package io.berth.coordinator.scheduler;

import io.berth.proto.GroupSpec;
import io.berth.proto.TaskRecord;
import io.berth.proto.TaskState;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One task to place: its slot (group, index), the task it replaces if any, and for global jobs
 * the only node it may go to.
 *
 * @param attempt 1 for a first placement, previous attempt + 1 for a replacement (a move off a
 *     drained node keeps the attempt: it is not a retry)
 * @param runAtMs cron: the firing the task runs for; 0 otherwise
 * @param cause why the slot gets a task now
 */
record PlacementRequest(
    GroupSpec group,
    int index,
    Optional<TaskRecord> replaces,
    Optional<String> targetNode,
    int attempt,
    long runAtMs,
    Cause cause) {

  enum Cause {
    /** A first task, or a replacement of one that failed, exited or was lost. */
    PLACE,
    /** The replaced task still runs, on a drained node, until this one runs. */
    DRAIN,
    /** The replaced task runs an older spec of the group: a rolling update. */
    UPDATE
  }

  /** Keep the last few exit codes of a slot: enough to see a pattern, bounded in size. */
  static final int EXIT_CODES_KEPT = 10;

  PlacementRequest(GroupSpec group, int index, Optional<TaskRecord> replaces, Optional<String> targetNode, int attempt) {
    this(group, index, replaces, targetNode, attempt, 0, Cause.PLACE);
  }

  PlacementRequest forRun(long firingMs) {
    return new PlacementRequest(group, index, replaces, targetNode, attempt, firingMs, cause);
  }

  String message() {
    if (replaces.isEmpty()) {
      return "";
    }
    TaskRecord old = replaces.get();
    return "attempt " + attempt + ", replaces " + old.getId() + " (" + replacedBecause(old) + ")";
  }

  /** The slot's exit codes so far: the replaced task's earlier ones and its own, if it exited. */
  List<Integer> earlierExitCodes() {
    if (replaces.isEmpty()) {
      return List.of();
    }
    TaskRecord old = replaces.get();
    List<Integer> codes = new ArrayList<>(old.getEarlierExitCodesList());
    if (old.getState() == TaskState.TASK_FAILED || old.getState() == TaskState.TASK_EXITED) {
      codes.add(old.getExitCode());
    }
    return codes.subList(Math.max(0, codes.size() - EXIT_CODES_KEPT), codes.size());
  }

  private String replacedBecause(TaskRecord old) {
    if (cause == Cause.DRAIN) {
      return "node " + old.getNode() + " drained";
    }
    if (cause == Cause.UPDATE) {
      return "update from job version " + old.getJobVersion();
    }
    if (TaskStates.failingCheck(old)) {
      return "unhealthy: " + old.getHealthOutput();
    }
    return switch (old.getState()) {
      case TASK_FAILED -> "failed, exit code " + old.getExitCode();
      case TASK_EXITED -> "exited";
      case TASK_LOST -> "lost";
      case TASK_STOPPED -> "stopped";
      default -> "node " + old.getNode() + " down";
    };
  }
}
