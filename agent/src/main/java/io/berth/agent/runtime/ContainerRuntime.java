package io.berth.agent.runtime;

import io.berth.proto.ContainerSpec;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * What the agent needs from a container engine. Only containers Berth manages are visible through
 * it. Every call may throw {@link RuntimeUnavailableException} when the engine cannot be reached;
 * calls about one task throw {@link TaskStartException} when the engine refuses that task.
 */
public interface ContainerRuntime extends AutoCloseable {

  /** Every Berth container, in any state. */
  List<ContainerInfo> list();

  /** One container by id, empty when it no longer exists. */
  Optional<ContainerInfo> inspect(String containerId);

  /**
   * Creates (does not start) the container for a task.
   *
   * @return the new container, in phase CREATED
   */
  ContainerInfo create(String taskId, ContainerSpec spec);

  /**
   * Starts a created container and returns once its process runs, as Docker's start does: the
   * caller takes it as running (a container that exits at once says so with a "die" event).
   */
  void start(String containerId);

  /** Stops (if running) and removes a container; a container already gone is not an error. */
  void stopAndRemove(String containerId, String taskId);

  /**
   * Writes a container's stdout and stderr to the sink in chunks, then returns.
   *
   * @param tailLines the last N lines only; 0 or less for all
   */
  void readLogs(String containerId, int tailLines, Consumer<byte[]> sink);

  /**
   * Starts delivering events about Berth containers, beginning at {@code sinceEpochMillis} so
   * nothing between a resync and the attach is missed.
   *
   * @param onClosed called once when the stream ends, with the error or null
   * @return closes the subscription
   */
  AutoCloseable watchEvents(long sinceEpochMillis, Consumer<ContainerEvent> onEvent,
      Consumer<Throwable> onClosed);

  /**
   * Runs a command inside a running container (health checks), waiting at most {@code timeout}.
   * Runtimes without it answer with a failed result.
   */
  default ExecResult exec(String containerId, List<String> command, java.time.Duration timeout) {
    return new ExecResult(-1, "this container runtime cannot run commands in containers", false);
  }

  /** A short description of the engine, e.g. "docker 20.10.24 (API 1.41)". */
  String version();

  @Override
  void close();
}
