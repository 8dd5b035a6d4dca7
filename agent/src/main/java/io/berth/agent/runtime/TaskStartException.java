package io.berth.agent.runtime;

/**
 * The runtime answered but refused to create or start this task's container (bad spec, image not
 * present, ...). Retrying the same spec will not help: the task has failed.
 */
public class TaskStartException extends RuntimeException {
  public TaskStartException(String message) {
    super(message);
  }

  public TaskStartException(String message, Throwable cause) {
    super(message, cause);
  }
}
