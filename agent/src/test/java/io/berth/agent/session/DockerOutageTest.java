package io.berth.agent.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.agent.runtime.ContainerInfo;
import io.berth.agent.runtime.DockerContainerRuntime;
import io.berth.agent.testing.Await;
import io.berth.agent.testing.DockerTestSupport;
import io.berth.agent.testing.PrivateDockerd;
import io.berth.proto.Assignments;
import io.berth.proto.ContainerSpec;
import io.berth.proto.CoordinatorMessage;
import io.berth.proto.Heartbeat;
import io.berth.proto.TaskAssignment;
import io.berth.proto.TaskState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The agent's Docker goes away and comes back: the agent keeps its session, reports the runtime
 * unhealthy meanwhile, forgets nothing, and reconciles what changed once Docker answers again.
 * Uses a dockerd of its own so the machine's daemon is never stopped.
 */
class DockerOutageTest {

  private static final Duration WAIT = Duration.ofSeconds(60);

  private static CoordinatorMessage assign(String... tasks) {
    Assignments.Builder a = Assignments.newBuilder();
    for (String t : tasks) {
      a.addTasks(TaskAssignment.newBuilder().setTaskId(t).setContainer(ContainerSpec.newBuilder()
          .setImage(DockerTestSupport.BUSYBOX)
          // A shell that leaves on SIGTERM, so the daemon's shutdown does not wait 10 s for it.
          .addCommand("sh").addCommand("-c")
          .addCommand("trap 'exit 0' TERM; while true; do sleep 1; done")));
    }
    return CoordinatorMessage.newBuilder().setAssignments(a).build();
  }

  private static boolean reported(FakeCoordinator c, String task, TaskState state) {
    return c.statuses().stream().anyMatch(s -> s.getTaskId().equals(task)
        && s.getState() == state);
  }

  @Test
  void survivesDockerGoingAwayAndCatchesUpWhenItIsBack() throws Exception {
    // Short path: the daemon's unix socket path must stay under 108 bytes.
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "berth-outage");
    try (PrivateDockerd dockerd = PrivateDockerd.startIn(dir);
        FakeCoordinator coordinator = new FakeCoordinator(100, List.of());
        DockerContainerRuntime docker = new DockerContainerRuntime(dockerd.uri(), "h1",
            dir.resolve("agent"), Path.of("/etc/hosts"));
        AgentHarness agent = new AgentHarness(List.of(coordinator.endpoint()),
            FakeCoordinator.TOKEN, docker, dir.resolve("agent"))) {
      Await.until(WAIT, () -> coordinator.hellos().size() == 1, "hello");
      coordinator.send(assign("t1"));
      Await.until(WAIT, () -> reported(coordinator, "t1", TaskState.TASK_RUNNING), "t1 running");

      dockerd.stop();
      Await.until(WAIT, () -> {
        Heartbeat h = coordinator.lastHeartbeat().getHeartbeat();
        return !h.getRuntimeHealthy() && !h.getRuntimeError().isEmpty();
      }, "a heartbeat saying the runtime is unhealthy");
      // While Docker is away, the coordinator adds a task; the agent must remember it.
      coordinator.send(assign("t1", "t2"));
      List<?> during = agent.agent.reconcileLoop().call(r -> r.statuses()).join();
      assertFalse(during.isEmpty(), "t1 is not forgotten during the outage");

      dockerd.start();
      Await.until(WAIT, () -> coordinator.lastHeartbeat().getHeartbeat().getRuntimeHealthy(),
          "a healthy heartbeat after Docker is back");
      Await.until(WAIT, () -> reported(coordinator, "t2", TaskState.TASK_RUNNING),
          () -> "t2 started after the outage; got " + coordinator.statuses());
      // Docker stopped t1 on its way down: that is reported, and t1 is not started a second time.
      Await.until(WAIT, () -> reported(coordinator, "t1", TaskState.TASK_EXITED)
          || reported(coordinator, "t1", TaskState.TASK_FAILED), "t1's exit reported");
      List<ContainerInfo> t1 = docker.list().stream().filter(c -> c.taskId().equals("t1"))
          .toList();
      assertEquals(1, t1.size(), "still one container for t1");
      assertEquals(1, coordinator.hellos().size(), "the session survived the outage");
      assertTrue(agent.agent.session().sessionsOpened() == 1);

      coordinator.send(assign());
      Await.until(WAIT, () -> docker.list().isEmpty(), "containers removed when unassigned");
    }
  }
}
