package io.berth.agent.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import io.berth.agent.testing.Await;
import io.berth.agent.testing.DockerTestSupport;
import io.berth.proto.ContainerSpec;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link DockerContainerRuntime} against the machine's real dockerd and lab/busybox:1. */
class DockerContainerRuntimeTest {

  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final String FQDN = "web.demo.default.berth";
  private static final String TASK_ADDRESS = "10.99.0.11";
  private static final String HOST_MARKER = "192.0.2.250\tberth-test-host-entry";

  @TempDir
  Path dataDir;

  private final String run = "rt" + UUID.randomUUID().toString().substring(0, 8);
  private DockerContainerRuntime runtime;
  private DockerClient docker;

  @BeforeEach
  void setUp() throws Exception {
    DockerTestSupport.requireDockerWithBusybox();
    Path hosts = dataDir.resolve("host-hosts");
    Files.writeString(hosts, Files.readString(Path.of("/etc/hosts")) + HOST_MARKER + "\n");
    runtime = new DockerContainerRuntime(DockerTestSupport.DOCKER, node(), dataDir, hosts);
    docker = DockerClients.create(DockerTestSupport.DOCKER, Duration.ofSeconds(30));
  }

  @AfterEach
  void cleanUp() throws Exception {
    if (runtime == null) {
      return;
    }
    for (ContainerInfo c : runtime.list()) {
      if (c.taskId().startsWith(run)) {
        runtime.stopAndRemove(c.containerId(), c.taskId());
      }
    }
    runtime.close();
    docker.close();
  }

  /** Unique per run: other agents on this daemon must not see (or remove) our containers. */
  private String node() {
    return "test-node-" + run;
  }

  private String logs(String containerId, int tail) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    runtime.readLogs(containerId, tail, out::writeBytes);
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void runsATaskWithItsLabelsNameHostsFileAndLimits() {
    String task = run + "-web";
    ContainerSpec spec = ContainerSpec.newBuilder()
        .setImage(DockerTestSupport.BUSYBOX)
        .addAllCommand(List.of("sh", "-c",
            "echo name=$(hostname); echo FOO=$FOO; cat /etc/hosts; echo to-stderr >&2; "
                + "echo ready; exec sleep 300"))
        .putEnv("FOO", "bar")
        .setHostname(FQDN)
        .setHostAddress(TASK_ADDRESS)
        .setCpuMillis(250)
        .setMemoryBytes(64L * 1024 * 1024)
        .putLabels("berth.job", "demo")
        .build();

    ContainerInfo created = runtime.create(task, spec);
    assertEquals(ContainerPhase.CREATED, created.phase());
    runtime.start(created.containerId());

    Await.until(WAIT, () -> logs(created.containerId(), 0).contains("ready"), "the task's output");
    String logs = logs(created.containerId(), 0);
    assertTrue(logs.contains("name=" + FQDN), logs);
    assertTrue(logs.contains("FOO=bar"), logs);
    assertTrue(logs.contains(TASK_ADDRESS + "\t" + FQDN + " web"), "FQDN line:\n" + logs);
    assertTrue(logs.contains(HOST_MARKER), "the host's own entries are kept:\n" + logs);
    assertTrue(logs.contains("to-stderr"), "stderr is included:\n" + logs);

    InspectContainerResponse inspect = docker.inspectContainerCmd(created.containerId()).exec();
    Map<String, String> labels = inspect.getConfig().getLabels();
    assertEquals(task, labels.get("berth.task"));
    assertEquals("true", labels.get("berth.managed"));
    assertEquals("demo", labels.get("berth.job"));
    assertEquals(node(), labels.get("berth.agent"));
    assertEquals("/berth-" + task, inspect.getName());
    assertEquals("host", inspect.getHostConfig().getNetworkMode());
    assertEquals(250_000_000L, inspect.getHostConfig().getNanoCPUs());
    assertEquals(64L * 1024 * 1024, inspect.getHostConfig().getMemory());
    String restart = inspect.getHostConfig().getRestartPolicy().getName();
    assertTrue(restart == null || restart.isEmpty() || restart.equals("no"),
        "the coordinator decides restarts, not Docker: " + restart);

    ContainerInfo listed = runtime.list().stream().filter(c -> c.taskId().equals(task))
        .findFirst().orElseThrow();
    assertEquals(ContainerPhase.RUNNING, listed.phase());

    // A second create for the same task finds the first container instead of making another.
    assertEquals(created.containerId(), runtime.create(task, spec).containerId());

    long t0 = System.nanoTime();
    runtime.stopAndRemove(created.containerId(), task);
    assertTrue(Duration.ofNanos(System.nanoTime() - t0).toSeconds() < 15, "short stop timeout");
    assertTrue(runtime.inspect(created.containerId()).isEmpty(), "container removed");
    assertFalse(Files.exists(dataDir.resolve("tasks").resolve(task)), "task files removed");
    runtime.stopAndRemove(created.containerId(), task); // already gone: no error
  }

  @Test
  void aCommandCheckRunsInTheContainerAndPassesOnExitZeroOnly() {
    String task = run + "-checked";
    ContainerSpec spec = ContainerSpec.newBuilder().setImage(DockerTestSupport.BUSYBOX)
        .addAllCommand(List.of("sh", "-c", "echo up > /tmp/ready; exec sleep 300")).build();
    ContainerInfo c = runtime.create(task, spec);
    runtime.start(c.containerId());
    Duration timeout = Duration.ofSeconds(2);
    Await.until(WAIT, () -> new io.berth.agent.health.CommandProbe(runtime, c.containerId(),
        List.of("cat", "/tmp/ready"), timeout).check().passed(), "the ready file");

    assertEquals(io.berth.agent.health.CheckResult.pass("exit 0: up"), new io.berth.agent.health.CommandProbe(
        runtime, c.containerId(), List.of("cat", "/tmp/ready"), timeout).check());
    assertEquals(io.berth.agent.health.CheckResult.fail("exit 3: broken"), new io.berth.agent.health.CommandProbe(
        runtime, c.containerId(), List.of("sh", "-c", "echo broken; exit 3"), timeout).check());

    long t0 = System.nanoTime();
    io.berth.agent.health.CheckResult hung = new io.berth.agent.health.CommandProbe(runtime, c.containerId(),
        List.of("sleep", "30"), Duration.ofMillis(300)).check();
    assertFalse(hung.passed());
    assertTrue(hung.output().startsWith("timed out after 300 ms"), hung.output());
    assertTrue(Duration.ofNanos(System.nanoTime() - t0).toMillis() < 5000, "the check does not wait for the command");

    io.berth.agent.health.CheckResult missing = new io.berth.agent.health.CommandProbe(runtime, c.containerId(),
        List.of("/no/such/binary"), timeout).check();
    assertFalse(missing.passed(), missing.output());
  }

  @Test
  void runsABridgeTaskWithPublishedPortsVolumesAndDns() throws Exception {
    String task = run + "-bridge";
    int hostPort;
    try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
      hostPort = free.getLocalPort();
    }
    Path readOnly = Files.createDirectories(dataDir.resolve("ro"));
    Files.writeString(readOnly.resolve("in.txt"), "from the host\n");
    Path writable = Files.createDirectories(dataDir.resolve("rw"));
    ContainerSpec spec = ContainerSpec.newBuilder()
        .setImage(DockerTestSupport.BUSYBOX)
        .addAllCommand(List.of("sh", "-c",
            "cat /ro/in.txt; touch /ro/x 2>/dev/null && echo ro-writable || echo ro-refused; "
                + "echo out > /rw/out.txt; cat /etc/resolv.conf; echo ready; "
                + "trap 'exit 0' TERM; while true; do sleep 1; done"))
        .setNetwork("bridge")
        .addPorts(io.berth.proto.PortBinding.newBuilder().setLabel("http")
            .setHostPort(hostPort).setContainerPort(8080))
        .addVolumes(io.berth.proto.VolumeSpec.newBuilder().setHostPath(readOnly.toString())
            .setContainerPath("/ro").setReadOnly(true))
        .addVolumes(io.berth.proto.VolumeSpec.newBuilder().setHostPath(writable.toString())
            .setContainerPath("/rw"))
        .addDnsServers("10.99.0.1")
        .addDnsSearch("default.berth")
        .setHostname("api.demo.default.berth")
        .setHostAddress(TASK_ADDRESS)
        .build();

    ContainerInfo c = runtime.create(task, spec);
    runtime.start(c.containerId());
    Await.until(WAIT, () -> logs(c.containerId(), 0).contains("ready"), "the task's output");

    String logs = logs(c.containerId(), 0);
    assertTrue(logs.contains("from the host"), logs);
    assertTrue(logs.contains("ro-refused"), "read_only is honoured:\n" + logs);
    assertEquals("out\n", Files.readString(writable.resolve("out.txt")));
    assertTrue(logs.contains("nameserver 10.99.0.1"), logs);
    assertTrue(logs.contains("search default.berth"), logs);
    InspectContainerResponse inspect = docker.inspectContainerCmd(c.containerId()).exec();
    assertEquals("bridge", inspect.getHostConfig().getNetworkMode());
    var bindings = inspect.getHostConfig().getPortBindings().getBindings();
    var binding = bindings.get(com.github.dockerjava.api.model.ExposedPort.tcp(8080));
    assertEquals(String.valueOf(hostPort), binding[0].getHostPortSpec());
  }

  @Test
  void anExitArrivesAsAnEventAndItsCodeAndLogsStayReadable() throws Exception {
    String task = run + "-exit";
    List<ContainerEvent> events = new CopyOnWriteArrayList<>();
    AutoCloseable watch = runtime.watchEvents(System.currentTimeMillis() - 2_000, events::add,
        error -> {});
    try {
      ContainerInfo c = runtime.create(task, ContainerSpec.newBuilder()
          .setImage(DockerTestSupport.BUSYBOX)
          .addAllCommand(List.of("sh", "-c", "echo one; echo two; echo three; exit 3"))
          .build());
      runtime.start(c.containerId());

      Await.until(WAIT, () -> events.stream().anyMatch(e ->
          e.containerId().equals(c.containerId()) && e.action().equals("die")),
          () -> "a die event; got " + events);
      assertTrue(events.stream().filter(e -> e.containerId().equals(c.containerId()))
          .allMatch(e -> e.taskId().equals(task)), "events carry the task id: " + events);

      ContainerInfo exited = runtime.inspect(c.containerId()).orElseThrow();
      assertEquals(ContainerPhase.EXITED, exited.phase());
      assertEquals(3, exited.exitCode());
      assertEquals(3, runtime.list().stream().filter(x -> x.taskId().equals(task))
          .findFirst().orElseThrow().exitCode());
      assertEquals("two\nthree\n", logs(c.containerId(), 2));

      runtime.stopAndRemove(c.containerId(), task); // stop of an exited container is a 304
      assertTrue(runtime.inspect(c.containerId()).isEmpty());
    } finally {
      watch.close();
    }
  }

  @Test
  void anotherAgentsContainersAreInvisible() {
    String task = run + "-mine";
    ContainerInfo c = runtime.create(task, ContainerSpec.newBuilder()
        .setImage(DockerTestSupport.BUSYBOX).addCommand("true").build());
    try (DockerContainerRuntime other = new DockerContainerRuntime(DockerTestSupport.DOCKER,
        "other-" + run, dataDir, Path.of("/etc/hosts"))) {
      assertTrue(other.list().stream().noneMatch(x -> x.taskId().equals(task)));
      assertTrue(other.inspect(c.containerId()).isEmpty());
      TaskStartException e = assertThrows(TaskStartException.class, () -> other.create(task,
          ContainerSpec.newBuilder().setImage(DockerTestSupport.BUSYBOX).build()));
      assertTrue(e.getMessage().contains("does not manage"), e.getMessage());
    }
    assertTrue(runtime.list().stream().anyMatch(x -> x.taskId().equals(task)));
  }

  @Test
  void aMissingImageFailsClearlyWithoutACreatedContainer() {
    String task = run + "-noimage";
    ImageNotPresentException e = assertThrows(ImageNotPresentException.class, () ->
        runtime.create(task, ContainerSpec.newBuilder().setImage("lab/x:1").build()));
    assertEquals("image lab/x:1 is not present on node " + node()
        + " (no registry is reachable: load or import it)", e.getMessage());
    assertTrue(runtime.list().stream().noneMatch(c -> c.taskId().equals(task)));
  }

  @Test
  void anUnreachableDaemonIsReportedAsUnavailable() {
    try (DockerContainerRuntime nowhere = new DockerContainerRuntime(
        java.net.URI.create("unix://" + dataDir.resolve("no.sock")), "n", dataDir,
        Path.of("/etc/hosts"))) {
      RuntimeUnavailableException e = assertThrows(RuntimeUnavailableException.class,
          nowhere::list);
      assertTrue(e.getMessage().startsWith("docker: cannot list containers"), e.getMessage());
    }
  }
}
