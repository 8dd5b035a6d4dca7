package io.berth.agent.runtime;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.api.model.EventType;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import com.github.dockerjava.api.model.Version;
import com.github.dockerjava.api.model.Volume;
import io.berth.proto.ContainerSpec;
import io.berth.proto.VolumeSpec;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link ContainerRuntime} on a Docker Engine, through docker-java. */
public final class DockerContainerRuntime implements ContainerRuntime {

  public static final String LABEL_MANAGED = "berth.managed";
  public static final String LABEL_TASK = "berth.task";
  /**
   * The node (agent name) that owns the container. Several agents may share one daemon (tests,
   * a one-machine lab): each manages only its own containers, or they would remove each other's.
   */
  public static final String LABEL_AGENT = "berth.agent";
  public static final String NAME_PREFIX = "berth-";

  private static final Logger log = LoggerFactory.getLogger(DockerContainerRuntime.class);
  // `sleep` as PID 1 ignores SIGTERM; a long grace would stall every reconcile behind it.
  private static final int STOP_TIMEOUT_SECONDS = 5;
  private static final long LOGS_TIMEOUT_SECONDS = 60;
  private static final int EXEC_OUTPUT_KEPT = 4096;

  private final DockerClient docker;
  private final DockerClient eventsDocker;
  private final String nodeName;
  private final Path tasksDir;
  private final Path hostHostsFile;

  /**
   * @param dockerHost e.g. unix:///var/run/docker.sock
   * @param nodeName used in messages ("image x is not present on node h1")
   * @param dataDir the agent's data directory; per-task files go under tasks/&lt;id&gt;/
   * @param hostHostsFile the host's /etc/hosts, copied into every task's hosts file
   */
  public DockerContainerRuntime(URI dockerHost, String nodeName, Path dataDir, Path hostHostsFile) {
    this.docker = DockerClients.create(dockerHost, Duration.ofSeconds(60));
    this.eventsDocker = DockerClients.create(dockerHost, null);
    this.nodeName = nodeName;
    this.tasksDir = dataDir.resolve("tasks");
    this.hostHostsFile = hostHostsFile;
  }

  @Override
  public List<ContainerInfo> list() {
    List<Container> containers = unavailableOnFailure("list containers", () ->
        docker.listContainersCmd()
            .withShowAll(true)
            .withLabelFilter(ownLabels())
            .exec());
    List<ContainerInfo> result = new ArrayList<>();
    for (Container c : containers) {
      String taskId = c.getLabels() == null ? null : c.getLabels().get(LABEL_TASK);
      if (taskId == null || taskId.isEmpty()) {
        continue;
      }
      ContainerPhase phase = ContainerPhase.fromDocker(c.getState());
      if (phase == ContainerPhase.RUNNING) {
        result.add(ContainerInfo.of(c.getId(), taskId, phase));
      } else {
        // The list does not carry exit code, error or OOM: ask for the details.
        inspect(c.getId()).ifPresent(result::add);
      }
    }
    return result;
  }

  @Override
  public Optional<ContainerInfo> inspect(String containerId) {
    InspectContainerResponse r;
    try {
      r = unavailableOnFailure("inspect container " + containerId,
          () -> docker.inspectContainerCmd(containerId).exec());
    } catch (NotFoundException e) {
      return Optional.empty();
    }
    Map<String, String> labels = r.getConfig() == null ? null : r.getConfig().getLabels();
    if (labels == null || !"true".equals(labels.get(LABEL_MANAGED))
        || !nodeName.equals(labels.get(LABEL_AGENT)) || labels.get(LABEL_TASK) == null) {
      return Optional.empty();
    }
    InspectContainerResponse.ContainerState s = r.getState();
    ContainerPhase phase = ContainerPhase.fromDocker(s == null ? null : s.getStatus());
    int exitCode = s == null || s.getExitCodeLong() == null ? 0 : s.getExitCodeLong().intValue();
    String error = s == null ? "" : s.getError();
    boolean oom = s != null && Boolean.TRUE.equals(s.getOOMKilled());
    return Optional.of(new ContainerInfo(r.getId(), labels.get(LABEL_TASK), phase, exitCode,
        error, oom));
  }

  @Override
  public ContainerInfo create(String taskId, ContainerSpec spec) {
    // No image check first: create answers 404 for a missing image itself, and every call saved
    // here is one less dockerd round trip per task (docs/BENCHMARKS.md, orchestration overhead).
    CreateContainerCmd cmd = docker.createContainerCmd(spec.getImage())
        .withName(NAME_PREFIX + taskId)
        .withLabels(labels(taskId, spec))
        .withEnv(env(spec))
        .withHostConfig(hostConfig(taskId, spec));
    if (spec.getCommandCount() > 0) {
      cmd.withCmd(spec.getCommandList());
    }
    if (!spec.getHostname().isEmpty()) {
      cmd.withHostName(spec.getHostname());
    }
    if (isBridge(spec) && spec.getPortsCount() > 0) {
      cmd.withExposedPorts(spec.getPortsList().stream()
          .map(p -> ExposedPort.tcp(containerPort(p)))
          .toList());
    }
    try {
      String id = unavailableOnTransportFailure(() -> cmd.exec().getId());
      log.info("created container {} for task {} ({})", shortId(id), taskId, spec.getImage());
      return ContainerInfo.of(id, taskId, ContainerPhase.CREATED);
    } catch (ConflictException e) {
      // The name is taken: a container for this task already exists. Never make a second one.
      return inspect(NAME_PREFIX + taskId).orElseThrow(() ->
          new TaskStartException("container name " + NAME_PREFIX + taskId
              + " is taken by a container this agent does not manage", e));
    } catch (NotFoundException e) {
      // 404 also means a missing network or volume: only "No such image" is about the image.
      if (dockerMessage(e).toLowerCase(java.util.Locale.ROOT).contains("no such image")) {
        throw new ImageNotPresentException(spec.getImage(), nodeName);
      }
      throw new TaskStartException("cannot create container: " + dockerMessage(e), e);
    } catch (DockerException e) {
      throw new TaskStartException("cannot create container: " + dockerMessage(e), e);
    }
  }

  @Override
  public void start(String containerId) {
    try {
      unavailableOnTransportFailure(() -> docker.startContainerCmd(containerId).exec());
    } catch (NotModifiedException e) {
      // already running
    } catch (NotFoundException e) {
      throw new ContainerNotFoundException(containerId);
    } catch (DockerException e) {
      throw new TaskStartException("cannot start container: " + dockerMessage(e), e);
    }
  }

  @Override
  public void stopAndRemove(String containerId, String taskId) {
    try {
      unavailableOnTransportFailure(() -> docker.stopContainerCmd(containerId)
          .withTimeout(STOP_TIMEOUT_SECONDS).exec());
    } catch (NotModifiedException | NotFoundException e) {
      // already stopped, or already gone: both mean done
    }
    try {
      unavailableOnTransportFailure(() -> docker.removeContainerCmd(containerId)
          .withForce(true).exec());
    } catch (NotFoundException e) {
      // already gone
    } catch (ConflictException e) {
      // "removal already in progress": someone else finishes it
    }
    deleteTaskFiles(taskId);
    log.info("stopped and removed container {} of task {}", shortId(containerId), taskId);
  }

  @Override
  public void readLogs(String containerId, int tailLines, Consumer<byte[]> sink) {
    var cmd = docker.logContainerCmd(containerId)
        .withStdOut(true)
        .withStdErr(true)
        .withFollowStream(false);
    if (tailLines > 0) {
      cmd.withTail(tailLines);
    } else {
      cmd.withTailAll();
    }
    ResultCallback.Adapter<Frame> callback = new ResultCallback.Adapter<>() {
      @Override
      public void onNext(Frame frame) {
        sink.accept(frame.getPayload());
      }
    };
    try {
      boolean finished = unavailableOnTransportFailure(() -> cmd.exec(callback)
          .awaitCompletion(LOGS_TIMEOUT_SECONDS, TimeUnit.SECONDS));
      if (!finished) {
        throw new RuntimeUnavailableException("reading logs timed out after "
            + LOGS_TIMEOUT_SECONDS + " s", null);
      }
    } catch (NotFoundException e) {
      throw new ContainerNotFoundException(containerId);
    } finally {
      closeQuietly(callback);
    }
  }

  @Override
  public AutoCloseable watchEvents(long sinceEpochMillis, Consumer<ContainerEvent> onEvent,
      Consumer<Throwable> onClosed) {
    ResultCallback.Adapter<Event> callback = new ResultCallback.Adapter<>() {
      @Override
      public void onNext(Event e) {
        if (e.getId() == null) {
          return;
        }
        Map<String, String> attrs = e.getActor() == null ? null : e.getActor().getAttributes();
        String taskId = attrs == null ? "" : attrs.getOrDefault(LABEL_TASK, "");
        long nanos = e.getTimeNano() == null ? 0 : e.getTimeNano();
        onEvent.accept(new ContainerEvent(e.getId(), taskId, String.valueOf(e.getAction()), nanos));
      }

      @Override
      public void onError(Throwable t) {
        // Not super.onError: it logs every lost daemon as an ERROR with a stack trace, and the
        // loop already reports the outage through the runtime's health.
        closeQuietly(this);
        onClosed.accept(t);
      }

      @Override
      public void onComplete() {
        super.onComplete();
        onClosed.accept(null);
      }
    };
    // Docker takes whole seconds; rounding down only repeats a few events, which is harmless.
    String since = String.valueOf(Math.max(0, sinceEpochMillis / 1000));
    unavailableOnFailure("watch events", () -> eventsDocker.eventsCmd()
        .withSince(since)
        .withEventTypeFilter(EventType.CONTAINER)
        .withLabelFilter(ownLabels())
        .exec(callback));
    return callback;
  }

  @Override
  public ExecResult exec(String containerId, List<String> command, Duration timeout) {
    String execId = unavailableOnTransportFailure(() -> docker.execCreateCmd(containerId)
        .withCmd(command.toArray(String[]::new))
        .withAttachStdout(true)
        .withAttachStderr(true)
        .exec()).getId();
    StringBuilder out = new StringBuilder();
    ResultCallback.Adapter<Frame> callback = new ResultCallback.Adapter<>() {
      @Override
      public void onNext(Frame frame) {
        synchronized (out) {
          if (out.length() < EXEC_OUTPUT_KEPT) {
            out.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
          }
        }
      }
    };
    try {
      boolean finished = unavailableOnTransportFailure(() -> docker.execStartCmd(execId).exec(callback)
          .awaitCompletion(timeout.toMillis(), TimeUnit.MILLISECONDS));
      String text;
      synchronized (out) {
        text = out.toString();
      }
      if (!finished) {
        // Docker has no way to kill an exec; it ends with its own command (or the container).
        return new ExecResult(-1, text, true);
      }
      Long code = unavailableOnTransportFailure(() -> docker.inspectExecCmd(execId).exec().getExitCodeLong());
      return new ExecResult(code == null ? -1 : code, text, false);
    } finally {
      closeQuietly(callback);
    }
  }

  @Override
  public String version() {
    Version v = unavailableOnFailure("get version", () -> docker.versionCmd().exec());
    return "docker " + v.getVersion() + " (API " + v.getApiVersion() + ")";
  }

  /** Whether an image is on this node (Berth never pulls). */
  public boolean hasImage(String image) {
    try {
      unavailableOnTransportFailure(() -> docker.inspectImageCmd(image).exec());
      return true;
    } catch (NotFoundException e) {
      return false;
    }
  }

  @Override
  public void close() {
    closeQuietly(docker);
    closeQuietly(eventsDocker);
  }

  private Map<String, String> labels(String taskId, ContainerSpec spec) {
    Map<String, String> labels = new LinkedHashMap<>(spec.getLabelsMap());
    labels.put(LABEL_TASK, taskId);
    labels.put(LABEL_MANAGED, "true");
    labels.put(LABEL_AGENT, nodeName);
    return labels;
  }

  /** The labels that select this agent's containers (Docker ANDs several label filters). */
  private Map<String, String> ownLabels() {
    return Map.of(LABEL_MANAGED, "true", LABEL_AGENT, nodeName);
  }

  /** The spec's env, plus the addressing variables when the coordinator did not set them. */
  private List<String> env(ContainerSpec spec) {
    Map<String, String> env = new LinkedHashMap<>(spec.getEnvMap());
    if (!spec.getHostname().isEmpty()) {
      env.putIfAbsent("BERTH_TASK_NAME", spec.getHostname());
    }
    if (!spec.getHostAddress().isEmpty()) {
      env.putIfAbsent("BERTH_HOST_IP", spec.getHostAddress());
    }
    env.putIfAbsent("BERTH_NODE", nodeName);
    List<String> out = new ArrayList<>();
    env.forEach((k, v) -> out.add(k + "=" + v));
    return out;
  }

  private HostConfig hostConfig(String taskId, ContainerSpec spec) {
    HostConfig hc = HostConfig.newHostConfig()
        .withNetworkMode(isBridge(spec) ? "bridge" : "host");
    if (spec.getCpuMillis() > 0) {
      hc.withNanoCPUs(spec.getCpuMillis() * 1_000_000L);
    }
    if (spec.getMemoryBytes() > 0) {
      hc.withMemory(spec.getMemoryBytes());
    }
    if (spec.getDnsServersCount() > 0) {
      hc.withDns(spec.getDnsServersList());
    }
    if (spec.getDnsSearchCount() > 0) {
      hc.withDnsSearch(spec.getDnsSearchList());
    }
    if (isBridge(spec) && spec.getPortsCount() > 0) {
      Ports ports = new Ports();
      for (io.berth.proto.PortBinding p : spec.getPortsList()) {
        ports.bind(ExposedPort.tcp(containerPort(p)), Ports.Binding.bindPort(p.getHostPort()));
      }
      hc.withPortBindings(ports);
    }
    List<Bind> binds = new ArrayList<>();
    for (VolumeSpec v : spec.getVolumesList()) {
      binds.add(new Bind(v.getHostPath(), new Volume(v.getContainerPath()),
          v.getReadOnly() ? AccessMode.ro : AccessMode.rw));
    }
    if (!spec.getHostname().isEmpty()) {
      binds.add(new Bind(writeHostsFile(taskId, spec).toString(), new Volume("/etc/hosts"),
          AccessMode.ro));
    }
    if (!binds.isEmpty()) {
      hc.withBinds(binds);
    }
    return hc;
  }

  private Path writeHostsFile(String taskId, ContainerSpec spec) {
    String hostHosts;
    try {
      hostHosts = Files.exists(hostHostsFile) ? Files.readString(hostHostsFile) : "";
    } catch (IOException e) {
      throw new TaskStartException("cannot read " + hostHostsFile + ": " + e.getMessage(), e);
    }
    String content = TaskHostsFile.render(hostHosts, spec.getHostname(), spec.getHostAddress());
    try {
      return TaskHostsFile.write(tasksDir.resolve(taskId).resolve("hosts").toAbsolutePath(),
          content);
    } catch (RuntimeException e) {
      throw new TaskStartException(e.getMessage(), e);
    }
  }

  private void deleteTaskFiles(String taskId) {
    Path dir = tasksDir.resolve(taskId);
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      log.warn("cannot delete {}: {}", dir, e.toString());
    }
  }

  private static boolean isBridge(ContainerSpec spec) {
    return "bridge".equalsIgnoreCase(spec.getNetwork());
  }

  private static int containerPort(io.berth.proto.PortBinding p) {
    return p.getContainerPort() > 0 ? p.getContainerPort() : p.getHostPort();
  }

  /** Any failure means the engine is not usable right now (used for reads). */
  private static <T> T unavailableOnFailure(String what, ThrowingSupplier<T> call) {
    try {
      return call.get();
    } catch (NotFoundException e) {
      throw e;
    } catch (Exception e) {
      throw new RuntimeUnavailableException("docker: cannot " + what + ": " + describe(e), e);
    }
  }

  /** Docker's answers pass through (the caller decides); transport failures mean unavailable. */
  private static <T> T unavailableOnTransportFailure(ThrowingSupplier<T> call) {
    try {
      return call.get();
    } catch (DockerException | RuntimeUnavailableException e) {
      throw e;
    } catch (Exception e) {
      throw new RuntimeUnavailableException("docker is not reachable: " + describe(e), e);
    }
  }

  private static void unavailableOnTransportFailure(ThrowingRunnable call) {
    unavailableOnTransportFailure(() -> {
      call.run();
      return null;
    });
  }

  /** Docker's JSON error body is "Status 404: {\"message\":\"...\"}": keep just the message. */
  static String dockerMessage(DockerException e) {
    String m = String.valueOf(e.getMessage());
    int at = m.indexOf("\"message\":\"");
    if (at >= 0) {
      int start = at + "\"message\":\"".length();
      int end = m.indexOf('"', start);
      if (end > start) {
        return m.substring(start, end);
      }
    }
    return m.trim();
  }

  private static String describe(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String msg = root.getMessage();
    return root.getClass().getSimpleName() + (msg == null ? "" : ": " + msg);
  }

  private static String shortId(String id) {
    return id.length() > 12 ? id.substring(0, 12) : id;
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      // closing: nothing useful to do
    }
  }

  @FunctionalInterface
  private interface ThrowingSupplier<T> {
    T get() throws Exception;
  }

  @FunctionalInterface
  private interface ThrowingRunnable {
    void run() throws Exception;
  }
}
