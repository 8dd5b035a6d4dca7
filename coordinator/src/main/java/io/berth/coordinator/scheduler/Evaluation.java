package io.berth.coordinator.scheduler;

import io.berth.coordinator.state.JobKey;

/**
 * A request to bring one job's tasks in line with its spec and the cluster, made by an event
 * (job registered or stopped, node joined or lost, task failed, timer). {@code nowMs} is the
 * evaluation's clock: the scheduler reads no clock of its own.
 */
public record Evaluation(String id, JobKey job, Trigger trigger, long nowMs) {

  public enum Trigger {
    JOB_REGISTERED,
    JOB_STOPPED,
    NODE_CHANGED,
    TASK_CHANGED,
    PERIODIC
  }
}
