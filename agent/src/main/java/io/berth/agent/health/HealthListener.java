package io.berth.agent.health;

import io.berth.proto.TaskHealth;

/** Told when a task's health verdict changes (not after every check). Called on a check thread. */
@FunctionalInterface
public interface HealthListener {
  void changed(String taskId, String containerId, TaskHealth health, String output);
}
