package io.berth.agent.reconcile;

import io.berth.agent.runtime.ContainerInfo;
import io.berth.proto.TaskState;
import io.berth.proto.TaskStatus;

/** Turns what the runtime says about a container into the task state the coordinator wants. */
final class TaskStatusMapper {

  private TaskStatusMapper() {}

  static TaskStatus of(ContainerInfo c) {
    TaskStatus.Builder s = TaskStatus.newBuilder()
        .setTaskId(c.taskId())
        .setContainerId(c.containerId());
    switch (c.phase()) {
      case CREATED:
        // A created container that carries an error could not be started (e.g. no such binary).
        if (!c.error().isEmpty()) {
          return s.setState(TaskState.TASK_FAILED).setExitCode(c.exitCode())
              .setMessage("could not start: " + c.error()).build();
        }
        return s.setState(TaskState.TASK_STARTING).build();
      case RUNNING:
      case PAUSED:
      case RESTARTING:
        return s.setState(TaskState.TASK_RUNNING).build();
      case REMOVING:
        return s.setState(TaskState.TASK_STOPPED).build();
      case EXITED:
        if (c.exitCode() == 0 && !c.oomKilled()) {
          return s.setState(TaskState.TASK_EXITED).setExitCode(0).build();
        }
        return s.setState(TaskState.TASK_FAILED).setExitCode(c.exitCode())
            .setMessage(exitMessage(c)).build();
      case DEAD:
      default:
        return s.setState(TaskState.TASK_FAILED).setExitCode(c.exitCode())
            .setMessage("container is dead" + (c.error().isEmpty() ? "" : ": " + c.error()))
            .build();
    }
  }

  static boolean sameState(TaskStatus a, TaskStatus b) {
    return a.getState() == b.getState()
        && a.getContainerId().equals(b.getContainerId())
        && a.getExitCode() == b.getExitCode()
        && a.getMessage().equals(b.getMessage())
        && a.getHealth() == b.getHealth()
        && a.getHealthOutput().equals(b.getHealthOutput());
  }

  private static String exitMessage(ContainerInfo c) {
    StringBuilder m = new StringBuilder("exited with code ").append(c.exitCode());
    if (c.oomKilled()) {
      m.append(" (killed: out of memory)");
    }
    if (!c.error().isEmpty()) {
      m.append(": ").append(c.error());
    }
    return m.toString();
  }
}
