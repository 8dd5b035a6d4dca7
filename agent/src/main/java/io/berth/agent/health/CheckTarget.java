package io.berth.agent.health;

import io.berth.proto.HealthCheck;

/**
 * A running task to check: its container and its check, and the probe that runs it.
 *
 * @param key identifies one container's check; a change (new container, new spec) restarts it
 */
public record CheckTarget(String taskId, String containerId, HealthCheck check, Probe probe) {
  String key() {
    return taskId + "/" + containerId + "/" + check.hashCode();
  }
}
