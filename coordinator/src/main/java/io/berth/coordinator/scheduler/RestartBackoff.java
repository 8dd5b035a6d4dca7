package io.berth.coordinator.scheduler;

import io.berth.proto.TaskRecord;
import io.berth.proto.TaskState;

/**
 * When a task that failed by itself may be replaced: the first replacement at once (a killed
 * container is back within a second), then 1 s, 2 s, 4 s ... up to 30 s, so a task that cannot
 * start (a missing image, a crash at startup) does not churn. Loss of a node is not the task's
 * fault and is never delayed.
 */
final class RestartBackoff {
  static final long FIRST_DELAY_MS = 1000;
  static final long MAX_DELAY_MS = 30_000;

  private RestartBackoff() {}

  static long delayMs(int attempt) {
    if (attempt <= 1) {
      return 0;
    }
    int doublings = Math.min(attempt - 2, 20);
    return Math.min(MAX_DELAY_MS, FIRST_DELAY_MS << doublings);
  }

  static boolean waiting(TaskRecord failed, long nowMs) {
    return remainingMs(failed, nowMs) > 0;
  }

  static long remainingMs(TaskRecord failed, long nowMs) {
    if (failed.getState() != TaskState.TASK_FAILED && failed.getState() != TaskState.TASK_EXITED) {
      return 0;
    }
    long due = failed.getUpdatedAtMs() + delayMs(SlotReconciler.attemptOf(failed));
    return Math.max(0, due - nowMs);
  }
}
