package io.berth.agent.runtime;

import java.util.Objects;

/**
 * One Berth container as the runtime sees it right now.
 *
 * @param containerId the runtime's id
 * @param taskId the task it runs (from the berth.task label)
 * @param phase its state
 * @param exitCode the exit code once it has exited (0 otherwise)
 * @param error the runtime's error for it, e.g. why it could not start ("" when none)
 * @param oomKilled whether the kernel killed it for memory
 */
public record ContainerInfo(
    String containerId, String taskId, ContainerPhase phase, int exitCode, String error,
    boolean oomKilled) {

  public ContainerInfo {
    Objects.requireNonNull(containerId, "containerId");
    Objects.requireNonNull(taskId, "taskId");
    Objects.requireNonNull(phase, "phase");
    error = error == null ? "" : error;
  }

  public static ContainerInfo of(String containerId, String taskId, ContainerPhase phase) {
    return new ContainerInfo(containerId, taskId, phase, 0, "", false);
  }
}
