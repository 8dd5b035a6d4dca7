package io.berth.coordinator.scheduler;

import io.berth.proto.GroupSpec;
import io.berth.proto.TaskRecord;
import java.util.Optional;

/**
 * One task to place: its slot (group, index), the task it replaces if any, and for global jobs
 * the only node it may go to.
 *
 * @param attempt 1 for a first placement, previous attempt + 1 for a replacement
 */
record PlacementRequest(
    GroupSpec group, int index, Optional<TaskRecord> replaces, Optional<String> targetNode, int attempt) {

  String message() {
    if (replaces.isEmpty()) {
      return "";
    }
    TaskRecord old = replaces.get();
    return "attempt " + attempt + ", replaces " + old.getId() + " (" + replacedBecause(old) + ")";
  }

  private static String replacedBecause(TaskRecord old) {
    return switch (old.getState()) {
      case TASK_FAILED -> "failed";
      case TASK_EXITED -> "exited";
      case TASK_LOST -> "lost";
      case TASK_STOPPED -> "stopped";
      default -> "node " + old.getNode() + " down";
    };
  }
}
