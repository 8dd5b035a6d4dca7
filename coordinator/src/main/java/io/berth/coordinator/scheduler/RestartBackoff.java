package io.berth.coordinator.scheduler;

import io.berth.proto.RestartPolicy;
import io.berth.proto.TaskRecord;
import io.berth.proto.TaskState;

/**
 * When a task that failed by itself may be replaced: the first replacement at once (a killed
 * container is back within a second), then 1 s, 2 s, 4 s ... up to 30 s, so a task that cannot
 * start (a missing image, a crash at startup) does not churn. Loss of a node is not the task's
 * fault and is never delayed, and neither is the failure of a task that had been running for
 * {@link #SETTLED_RUN_MS} (a long-lived service killed now and then). A task whose health check fails counts as failed (and runs until
 * its replacement is due).
 *
 * <p>A group's {@link RestartPolicy} changes the base delay ({@code delay}, doubling to 30 s or to
 * the delay itself when longer) and bounds the runs of a slot ({@code attempts}): in mode
 * {@code fail} a slot whose last attempt failed gives up; in mode {@code delay} it keeps trying at
 * the longest delay.
 */
final class RestartBackoff {
  static final long FIRST_DELAY_MS = 1000;
  static final long MAX_DELAY_MS = 30_000;
  /**
   * A task that ran this long before it failed is replaced at once whatever its attempt: the
   * backoff is for tasks that cannot start or crash soon after, not for a service that ran for
   * hours and was killed (each kill would otherwise wait longer, up to 30 s).
   */
  static final long SETTLED_RUN_MS = 10_000;

  private RestartBackoff() {}

  static long delayMs(int attempt) {
    return delayMs(attempt, RestartPolicy.getDefaultInstance());
  }

  /** The wait before replacing a slot whose attempt {@code attempt} failed. */
  static long delayMs(int attempt, RestartPolicy policy) {
    if (attempt <= 1) {
      return 0;
    }
    long base = policy.getDelayMs() > 0 ? policy.getDelayMs() : FIRST_DELAY_MS;
    long cap = Math.max(MAX_DELAY_MS, base);
    if (policy.getAttempts() > 0 && attempt >= policy.getAttempts() && "delay".equals(policy.getMode())) {
      return cap;
    }
    int doublings = Math.min(attempt - 2, 20);
    return Math.min(cap, base << doublings);
  }

  static boolean waiting(TaskRecord failed, long nowMs) {
    return remainingMs(failed, RestartPolicy.getDefaultInstance(), nowMs) > 0;
  }

  static long remainingMs(TaskRecord failed, long nowMs) {
    return remainingMs(failed, RestartPolicy.getDefaultInstance(), nowMs);
  }

  static long remainingMs(TaskRecord failed, RestartPolicy policy, long nowMs) {
    long since;
    if (failed.getState() == TaskState.TASK_FAILED || failed.getState() == TaskState.TASK_EXITED) {
      since = failed.getUpdatedAtMs();
    } else if (TaskStates.failingCheck(failed)) {
      since = failed.getHealthChangedAtMs(); // it still runs: the backoff counts from its verdict
    } else {
      return 0;
    }
    if (failed.getCreatedAtMs() > 0 && since - failed.getCreatedAtMs() >= SETTLED_RUN_MS
        && !(policy.getAttempts() > 0 && SlotReconciler.attemptOf(failed) >= policy.getAttempts())) {
      return 0;
    }
    long due = since + delayMs(SlotReconciler.attemptOf(failed), policy);
    return Math.max(0, due - nowMs);
  }

  /** Whether a slot whose latest task is {@code last} has used up its attempts (mode fail). */
  static boolean gaveUp(TaskRecord last, RestartPolicy policy) {
    return (last.getState() == TaskState.TASK_FAILED || TaskStates.failingCheck(last))
        && policy.getAttempts() > 0
        && !"delay".equals(policy.getMode())
        && SlotReconciler.attemptOf(last) >= policy.getAttempts();
  }
}
