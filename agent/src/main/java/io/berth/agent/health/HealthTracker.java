package io.berth.agent.health;

import io.berth.proto.HealthCheck;
import io.berth.proto.TaskHealth;
import java.util.Optional;

/**
 * One task's verdict from its check results (pure: results and times in, verdict out). Unknown
 * until the first pass or until {@code unhealthy_after} failures in a row; failures within
 * {@code grace} of the start do not count (a slow starter is not condemned), a pass always counts.
 */
public final class HealthTracker {
  private final int unhealthyAfter;
  private final long graceEndsAtMs;
  private TaskHealth health = TaskHealth.HEALTH_UNKNOWN;
  private int failuresInARow;

  public HealthTracker(HealthCheck check, long startedAtMs) {
    this.unhealthyAfter = Math.max(1, check.getUnhealthyAfter());
    this.graceEndsAtMs = startedAtMs + Math.max(0, check.getGraceMs());
  }

  /** Records one result; returns the new verdict when it changed. */
  public Optional<TaskHealth> record(CheckResult r, long nowMs) {
    TaskHealth before = health;
    if (r.passed()) {
      failuresInARow = 0;
      health = TaskHealth.HEALTH_HEALTHY;
    } else if (nowMs >= graceEndsAtMs) {
      failuresInARow++;
      if (failuresInARow >= unhealthyAfter) {
        health = TaskHealth.HEALTH_UNHEALTHY;
      }
    }
    return health == before ? Optional.empty() : Optional.of(health);
  }

  public TaskHealth health() {
    return health;
  }
}
