package io.berth.bench;

import io.berth.agent.runtime.ContainerEvent;
import io.berth.agent.runtime.ContainerInfo;
import io.berth.agent.runtime.ContainerNotFoundException;
import io.berth.agent.runtime.ContainerPhase;
import io.berth.agent.runtime.ContainerRuntime;
import io.berth.agent.runtime.RuntimeUnavailableException;
import io.berth.proto.ContainerSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A container runtime that pretends: starting a container takes a delay, then it runs and stays
 * so. The agent code above it is the real one, so a fleet of these measures the control
 * plane, not Docker (like Kubernetes' kubemark).
 */
final class HollowRuntime implements ContainerRuntime {
  private final Map<String, ContainerInfo> containers = new ConcurrentHashMap<>();
  // Each task's container id: a create looking through every container of its node was 6% of a
  // fleet's CPU while 100 tasks a node were placed (a real runtime's create does not scan either).
  private final Map<String, String> containerOfTask = new ConcurrentHashMap<>();
  private final List<Consumer<ContainerEvent>> watchers = new CopyOnWriteArrayList<>();
  private final long startDelayMs;

  HollowRuntime(long startDelayMs) {
    this.startDelayMs = startDelayMs;
  }

  @Override
  public List<ContainerInfo> list() {
    return new ArrayList<>(containers.values());
  }

  @Override
  public Optional<ContainerInfo> inspect(String containerId) {
    return Optional.ofNullable(containers.get(containerId));
  }

  @Override
  public ContainerInfo create(String taskId, ContainerSpec spec) {
    String had = containerOfTask.get(taskId);
    ContainerInfo existing = had == null ? null : containers.get(had);
    if (existing != null) {
      return existing;
    }
    ContainerInfo c = ContainerInfo.of(UUID.randomUUID().toString().replace("-", ""), taskId, ContainerPhase.CREATED);
    containers.put(c.containerId(), c);
    containerOfTask.put(taskId, c.containerId());
    return c;
  }

  @Override
  public void start(String containerId) {
    // Like Docker's, start returns once the container runs: the delay is its start latency,
    // spent on the caller's thread (a virtual one in a hollow fleet).
    try {
      Thread.sleep(startDelayMs);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RuntimeUnavailableException("interrupted while starting " + containerId, e);
    }
    ContainerInfo c = containers.computeIfPresent(containerId,
        (id, old) -> ContainerInfo.of(id, old.taskId(), ContainerPhase.RUNNING));
    if (c == null) {
      throw new ContainerNotFoundException(containerId);
    }
    emit(new ContainerEvent(containerId, c.taskId(), "start", System.nanoTime()));
  }

  @Override
  public void stopAndRemove(String containerId, String taskId) {
    if (containers.remove(containerId) != null) {
      containerOfTask.remove(taskId, containerId);
      emit(new ContainerEvent(containerId, taskId, "destroy", System.nanoTime()));
    }
  }

  @Override
  public void readLogs(String containerId, int tailLines, Consumer<byte[]> sink) {
    sink.accept(("hollow container " + containerId + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  @Override
  public AutoCloseable watchEvents(long sinceEpochMillis, Consumer<ContainerEvent> onEvent, Consumer<Throwable> onClosed) {
    watchers.add(onEvent);
    return () -> watchers.remove(onEvent);
  }

  private void emit(ContainerEvent e) {
    for (Consumer<ContainerEvent> w : watchers) {
      w.accept(e);
    }
  }

  @Override
  public String version() {
    return "hollow";
  }

  @Override
  public void close() {
    watchers.clear();
  }
}
