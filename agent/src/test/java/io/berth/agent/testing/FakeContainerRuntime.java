package io.berth.agent.testing;

import io.berth.agent.runtime.ContainerEvent;
import io.berth.agent.runtime.ContainerInfo;
import io.berth.agent.runtime.ContainerNotFoundException;
import io.berth.agent.runtime.ContainerPhase;
import io.berth.agent.runtime.ContainerRuntime;
import io.berth.agent.runtime.ImageNotPresentException;
import io.berth.agent.runtime.RuntimeUnavailableException;
import io.berth.agent.runtime.TaskStartException;
import io.berth.proto.ContainerSpec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** An in-memory {@link ContainerRuntime}: containers are records, "running" is a flag. */
public final class FakeContainerRuntime implements ContainerRuntime {

  private final Map<String, ContainerInfo> containers = new LinkedHashMap<>();
  private final Map<String, ContainerSpec> specs = new HashMap<>();
  private final Map<String, String> logs = new HashMap<>();
  private final Set<String> images = new HashSet<>(Set.of("lab/busybox:1"));
  private final Set<String> unstartableImages = new HashSet<>();
  private final List<String> calls = new CopyOnWriteArrayList<>();
  private final List<Consumer<ContainerEvent>> listeners = new CopyOnWriteArrayList<>();
  private final String nodeName;
  private volatile boolean down;
  private volatile java.util.concurrent.CountDownLatch removalGate;
  private int nextId = 1;

  public FakeContainerRuntime() {
    this("fake-node");
  }

  public FakeContainerRuntime(String nodeName) {
    this.nodeName = nodeName;
  }

  // ------------------------------------------------------------------ test controls

  /** Removals wait for this gate to open (null: they do not wait). */
  public void holdRemovals(java.util.concurrent.CountDownLatch gate) {
    this.removalGate = gate;
  }

  public void setDown(boolean down) {
    this.down = down;
  }

  public synchronized void addImage(String image) {
    images.add(image);
  }

  /** Containers of this image are created but fail to start. */
  public synchronized void failStartsOf(String image) {
    unstartableImages.add(image);
  }

  /** Puts a container there as if an earlier agent had made it. */
  public synchronized ContainerInfo put(String taskId, ContainerPhase phase, int exitCode) {
    String id = "c" + nextId++;
    ContainerInfo c = new ContainerInfo(id, taskId, phase, exitCode, "", false);
    containers.put(id, c);
    return c;
  }

  /** The container's process exits with this code; listeners hear "die". */
  public void exit(String containerId, int code) {
    synchronized (this) {
      ContainerInfo c = containers.get(containerId);
      containers.put(containerId, new ContainerInfo(containerId, c.taskId(), ContainerPhase.EXITED,
          code, "", false));
    }
    fire(containerId, "die");
  }

  /** Someone else started the container; listeners hear "start". */
  public void startExternally(String containerId) {
    synchronized (this) {
      ContainerInfo c = containers.get(containerId);
      containers.put(containerId, new ContainerInfo(containerId, c.taskId(), ContainerPhase.RUNNING,
          0, "", false));
    }
    fire(containerId, "start");
  }

  /** Someone removed the container behind the agent's back; listeners hear "destroy". */
  public void removeExternally(String containerId) {
    synchronized (this) {
      containers.remove(containerId);
    }
    fire(containerId, "destroy");
  }

  public synchronized void setLogs(String containerId, String text) {
    logs.put(containerId, text);
  }

  public synchronized List<ContainerInfo> containers() {
    return new ArrayList<>(containers.values());
  }

  public synchronized List<ContainerInfo> containersOf(String taskId) {
    return containers.values().stream().filter(c -> c.taskId().equals(taskId)).toList();
  }

  public synchronized ContainerSpec specOf(String containerId) {
    return specs.get(containerId);
  }

  /** Every call made, e.g. "create t1", "start c1", "inspect c1", "remove c1". */
  public List<String> calls() {
    return List.copyOf(calls);
  }

  public long count(String prefix) {
    return calls.stream().filter(c -> c.startsWith(prefix)).count();
  }

  public int listeners() {
    return listeners.size();
  }

  // ------------------------------------------------------------------ ContainerRuntime

  @Override
  public synchronized List<ContainerInfo> list() {
    checkUp();
    calls.add("list");
    return new ArrayList<>(containers.values());
  }

  @Override
  public synchronized Optional<ContainerInfo> inspect(String containerId) {
    checkUp();
    calls.add("inspect " + containerId);
    return Optional.ofNullable(containers.get(containerId));
  }

  @Override
  public synchronized ContainerInfo create(String taskId, ContainerSpec spec) {
    checkUp();
    calls.add("create " + taskId);
    if (!images.contains(spec.getImage())) {
      throw new ImageNotPresentException(spec.getImage(), nodeName);
    }
    for (ContainerInfo c : containers.values()) {
      if (c.taskId().equals(taskId)) {
        return c; // like Docker's name conflict: the one that exists
      }
    }
    String id = "c" + nextId++;
    ContainerInfo c = ContainerInfo.of(id, taskId, ContainerPhase.CREATED);
    containers.put(id, c);
    specs.put(id, spec);
    return c;
  }

  @Override
  public void start(String containerId) {
    synchronized (this) {
      checkUp();
      calls.add("start " + containerId);
      ContainerInfo c = containers.get(containerId);
      if (c == null) {
        throw new ContainerNotFoundException(containerId);
      }
      ContainerSpec spec = specs.get(containerId);
      if (spec != null && unstartableImages.contains(spec.getImage())) {
        containers.put(containerId, new ContainerInfo(containerId, c.taskId(),
            ContainerPhase.CREATED, 127, "exec: no such file", false));
        throw new TaskStartException("cannot start container: exec: no such file");
      }
      containers.put(containerId, ContainerInfo.of(containerId, c.taskId(),
          ContainerPhase.RUNNING));
    }
    fire(containerId, "start");
  }

  @Override
  public void stopAndRemove(String containerId, String taskId) {
    java.util.concurrent.CountDownLatch gate = removalGate;
    if (gate != null) {
      try {
        gate.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    synchronized (this) {
      checkUp();
      calls.add("remove " + containerId);
      containers.remove(containerId);
    }
    fire(containerId, "destroy");
  }

  @Override
  public void readLogs(String containerId, int tailLines, Consumer<byte[]> sink) {
    String text;
    synchronized (this) {
      checkUp();
      if (!containers.containsKey(containerId)) {
        throw new ContainerNotFoundException(containerId);
      }
      text = logs.getOrDefault(containerId, "");
    }
    if (tailLines > 0) {
      String[] lines = text.split("(?<=\n)");
      StringBuilder tail = new StringBuilder();
      for (int i = Math.max(0, lines.length - tailLines); i < lines.length; i++) {
        tail.append(lines[i]);
      }
      text = tail.toString();
    }
    sink.accept(text.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public AutoCloseable watchEvents(long sinceEpochMillis, Consumer<ContainerEvent> onEvent,
      Consumer<Throwable> onClosed) {
    checkUp();
    listeners.add(onEvent);
    return () -> listeners.remove(onEvent);
  }

  @Override
  public String version() {
    checkUp();
    return "fake 1.0";
  }

  @Override
  public void close() {}

  private void checkUp() {
    if (down) {
      throw new RuntimeUnavailableException("fake runtime is down", null);
    }
  }

  private void fire(String containerId, String action) {
    String taskId;
    synchronized (this) {
      ContainerInfo c = containers.get(containerId);
      taskId = c == null ? "" : c.taskId();
    }
    for (Consumer<ContainerEvent> l : listeners) {
      l.accept(new ContainerEvent(containerId, taskId, action, System.currentTimeMillis() * 1_000_000));
    }
  }
}
