package io.berth.agent.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.agent.runtime.ContainerInfo;
import io.berth.agent.runtime.ContainerPhase;
import io.berth.agent.runtime.DockerContainerRuntime;
import io.berth.agent.testing.Await;
import io.berth.agent.testing.DockerTestSupport;
import io.berth.proto.Assignments;
import io.berth.proto.ContainerSpec;
import io.berth.proto.CoordinatorMessage;
import io.berth.proto.Hello;
import io.berth.proto.LogChunk;
import io.berth.proto.LogsRequest;
import io.berth.proto.TaskAssignment;
import io.berth.proto.TaskState;
import io.berth.proto.TaskStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole agent against a fake coordinator and the real dockerd: a busybox task runs, a
 * dropped session does not restart it, and a restarted agent adopts it.
 */
class AgentSessionDockerTest {

  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir
  Path dataDir;

  private final String run = UUID.randomUUID().toString().substring(0, 8);
  private final String task = "sess" + run + "-web-0";
  // Unique per run: agents sharing this daemon (other tests, an e2e run) each see only their own.
  private final String node = "h1-" + run;

  private boolean dockerAnswered;

  @BeforeEach
  void requireDocker() {
    DockerTestSupport.requireDockerWithBusybox();
    dockerAnswered = true;
  }

  @AfterEach
  void removeTestContainers() {
    if (!dockerAnswered) {
      return; // skipped: there is no daemon to clean up (and asking it would turn the skip into an error)
    }
    try (DockerContainerRuntime docker = runtime()) {
      for (ContainerInfo c : docker.list()) {
        if (c.taskId().equals(task)) {
          docker.stopAndRemove(c.containerId(), c.taskId());
        }
      }
    }
  }

  private DockerContainerRuntime runtime() {
    return new DockerContainerRuntime(DockerTestSupport.DOCKER, node, dataDir,
        Path.of("/etc/hosts"));
  }

  private boolean reported(FakeCoordinator c, TaskState state) {
    return c.statuses().stream().anyMatch(s -> s.getTaskId().equals(task)
        && s.getState() == state);
  }

  private CoordinatorMessage assignment() {
    return CoordinatorMessage.newBuilder().setAssignments(Assignments.newBuilder()
        .setVersion(7)
        .addTasks(TaskAssignment.newBuilder().setTaskId(task).setContainer(
            ContainerSpec.newBuilder()
                .setImage(DockerTestSupport.BUSYBOX)
                .addCommand("sh").addCommand("-c")
                // Leaves on SIGTERM, so the cleanup's stop does not wait out the grace period.
                .addCommand("echo hello from $(hostname); trap 'exit 0' TERM; "
                    + "while true; do sleep 1; done")
                .setHostname("web-0.demo.default.berth")
                .setHostAddress("127.0.0.1"))))
        .build();
  }

  @Test
  void runsAnAssignedTaskKeepsItAcrossAReconnectAndAdoptsItAfterARestart() throws Exception {
    try (FakeCoordinator coordinator = new FakeCoordinator(100, List.of());
        DockerContainerRuntime docker = runtime();
        AgentHarness agent = new AgentHarness(List.of(coordinator.endpoint()),
            FakeCoordinator.TOKEN, docker, dataDir, node)) {
      Await.until(WAIT, () -> coordinator.hellos().size() == 1 && coordinator.heartbeats() >= 2,
          "hello and heartbeats");
      assertTrue(coordinator.hellos().get(0).getRuntimeHealthy());
      assertTrue(coordinator.joins.get(0).getFacts().getRuntimeVersion().startsWith("docker "),
          coordinator.joins.get(0).getFacts().getRuntimeVersion());

      coordinator.send(assignment());
      Await.until(WAIT, () -> reported(coordinator, TaskState.TASK_RUNNING),
          () -> "RUNNING for " + task + "; got " + coordinator.statuses());
      TaskStatus running = coordinator.statuses().stream()
          .filter(s -> s.getState() == TaskState.TASK_RUNNING).findFirst().orElseThrow();

      coordinator.dropSession();
      Await.until(WAIT, () -> coordinator.hellos().size() == 2, "a second hello");

      Hello again = coordinator.hellos().get(1);
      assertEquals(1, again.getTasksCount());
      assertEquals(task, again.getTasks(0).getTaskId());
      assertEquals(TaskState.TASK_RUNNING, again.getTasks(0).getState());
      assertEquals(running.getContainerId(), again.getTasks(0).getContainerId(),
          "same container: not restarted");
      List<ContainerInfo> containers = docker.list().stream()
          .filter(c -> c.taskId().equals(task)).toList();
      assertEquals(1, containers.size());
      assertEquals(ContainerPhase.RUNNING, containers.get(0).phase());

      // Logs are served on the new session.
      coordinator.send(CoordinatorMessage.newBuilder().setLogsRequest(LogsRequest.newBuilder()
          .setRequestId("logs-1").setTaskId(task)).build());
      Await.until(WAIT, () -> coordinator.logChunks("logs-1").stream()
          .anyMatch(LogChunk::getDone), "the logs answer");
      StringBuilder text = new StringBuilder();
      coordinator.logChunks("logs-1").forEach(c -> text.append(c.getData().toStringUtf8()));
      assertEquals("hello from web-0.demo.default.berth\n", text.toString());

      // The agent restarts: the new one adopts the container instead of starting another.
      agent.close();
      int statusesBefore = coordinator.statuses().size();
      try (DockerContainerRuntime docker2 = runtime();
          AgentHarness restarted = new AgentHarness(List.of(coordinator.endpoint()),
              FakeCoordinator.TOKEN, docker2, dataDir, node)) {
        Await.until(WAIT, () -> coordinator.hellos().size() == 3, "the restarted agent's hello");
        Hello adopted = coordinator.hellos().get(2);
        assertEquals(1, adopted.getTasksCount());
        assertEquals(running.getContainerId(), adopted.getTasks(0).getContainerId());
        assertEquals(TaskState.TASK_RUNNING, adopted.getTasks(0).getState());
        coordinator.send(assignment());
        Await.until(WAIT, () -> restarted.agent.reconcileLoop()
            .call(r -> r.hasDesired()).join(), "the assignments applied");
        restarted.agent.reconcileLoop().call(r -> null).join();
        assertEquals(1, docker2.list().stream().filter(c -> c.taskId().equals(task)).count());
        assertEquals(statusesBefore, coordinator.statuses().size(),
            "no new state: the task just kept running");
      }
    }
  }
}
