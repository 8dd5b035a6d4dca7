package io.berth.agent.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.agent.Agent;
import io.berth.agent.runtime.ContainerInfo;
import io.berth.agent.runtime.ContainerPhase;
import io.berth.agent.testing.Await;
import io.berth.agent.testing.FakeContainerRuntime;
import io.berth.proto.Assignments;
import io.berth.proto.ContainerSpec;
import io.berth.proto.CoordinatorMessage;
import io.berth.proto.Hello;
import io.berth.proto.LogChunk;
import io.berth.proto.LogsRequest;
import io.berth.proto.TaskAssignment;
import io.berth.proto.TaskState;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The session protocol against a fake coordinator, with an in-memory runtime. */
class AgentSessionTest {

  private static final Duration WAIT = Duration.ofSeconds(15);

  @TempDir
  Path dataDir;

  private static CoordinatorMessage assign(String... taskIds) {
    Assignments.Builder a = Assignments.newBuilder().setVersion(1);
    for (String id : taskIds) {
      a.addTasks(TaskAssignment.newBuilder().setTaskId(id)
          .setContainer(ContainerSpec.newBuilder().setImage("lab/busybox:1")));
    }
    return CoordinatorMessage.newBuilder().setAssignments(a).build();
  }

  @Test
  void joinsSaysHelloWithFactsAndAdoptedTasksThenHeartbeats() throws Exception {
    FakeContainerRuntime runtime = new FakeContainerRuntime("h1");
    ContainerInfo adopted = runtime.put("old-task", ContainerPhase.RUNNING, 0);
    try (FakeCoordinator coordinator = new FakeCoordinator(50, List.of());
        AgentHarness agent = new AgentHarness(List.of(coordinator.endpoint()),
            FakeCoordinator.TOKEN, runtime, dataDir)) {
      Await.until(WAIT, () -> coordinator.heartbeats() >= 3, "three heartbeats");

      assertEquals(1, coordinator.joins.size());
      assertEquals("h1", coordinator.joins.get(0).getFacts().getName());
      assertEquals("127.0.0.1", coordinator.joins.get(0).getFacts().getAddress());
      assertEquals("r1", coordinator.joins.get(0).getFacts().getLabelsOrThrow("rack"));
      assertEquals(Runtime.getRuntime().availableProcessors() * 1000L,
          coordinator.joins.get(0).getFacts().getCpuMillis());
      assertEquals("fake 1.0", coordinator.joins.get(0).getFacts().getRuntimeVersion());
      assertTrue(coordinator.received.get(0).hasHello(), "Hello comes first");
      Hello hello = coordinator.hellos().get(0);
      assertEquals("node-h1", hello.getNodeId());
      assertEquals(FakeCoordinator.TOKEN, hello.getToken());
      assertTrue(hello.getRuntimeHealthy());
      assertEquals(1, hello.getTasksCount(), "the adopted container is in the Hello");
      assertEquals("old-task", hello.getTasks(0).getTaskId());
      assertEquals(adopted.containerId(), hello.getTasks(0).getContainerId());
      assertEquals(TaskState.TASK_RUNNING, hello.getTasks(0).getState());
      assertEquals(0, runtime.count("remove"), "nothing removed before assignments");
      assertEquals("node-h1", agent.agent.session().nodeId());
      assertEquals(adopted.containerId(),
          agent.agent.reconcileLoop().reconciler().containerOf("old-task").orElseThrow());
      assertTrue(coordinator.lastHeartbeat().getHeartbeat().getSeq() >= 3);
    }
  }

  @Test
  void runsAssignmentsReportsThemAndServesLogs() throws Exception {
    FakeContainerRuntime runtime = new FakeContainerRuntime("h1");
    try (FakeCoordinator coordinator = new FakeCoordinator(200, List.of());
        AgentHarness agent = new AgentHarness(List.of(coordinator.endpoint()),
            FakeCoordinator.TOKEN, runtime, dataDir)) {
      Await.until(WAIT, () -> coordinator.hellos().size() == 1, "hello");
      coordinator.send(assign("t1"));
      Await.until(WAIT, () -> coordinator.statuses().stream().anyMatch(s ->
          s.getTaskId().equals("t1") && s.getState() == TaskState.TASK_RUNNING), "t1 running");
      String container = runtime.containersOf("t1").get(0).containerId();
      runtime.setLogs(container, "a\nb\nc\n");

      coordinator.send(CoordinatorMessage.newBuilder().setLogsRequest(LogsRequest.newBuilder()
          .setRequestId("r1").setTaskId("t1").setTailLines(2)).build());
      coordinator.send(CoordinatorMessage.newBuilder().setLogsRequest(LogsRequest.newBuilder()
          .setRequestId("r2").setTaskId("nope")).build());
      Await.until(WAIT, () -> coordinator.logChunks("r1").stream().anyMatch(LogChunk::getDone)
          && coordinator.logChunks("r2").stream().anyMatch(LogChunk::getDone), "log answers");

      List<LogChunk> r1 = coordinator.logChunks("r1");
      StringBuilder data = new StringBuilder();
      r1.forEach(c -> data.append(c.getData().toStringUtf8()));
      assertEquals("b\nc\n", data.toString());
      assertTrue(r1.get(r1.size() - 1).getDone());
      assertEquals("", r1.get(r1.size() - 1).getError());
      LogChunk r2 = coordinator.logChunks("r2").get(0);
      assertTrue(r2.getDone());
      assertEquals("no task nope on node h1", r2.getError());

      coordinator.send(assign());
      Await.until(WAIT, () -> coordinator.statuses().stream().anyMatch(s ->
          s.getTaskId().equals("t1") && s.getState() == TaskState.TASK_STOPPED), "t1 stopped");
      assertTrue(runtime.containers().isEmpty());
    }
  }

  @Test
  void saysItTakesAssignmentChangesAndAppliesThemToTheWholeSetItHas() throws Exception {
    FakeContainerRuntime runtime = new FakeContainerRuntime("h1");
    try (FakeCoordinator coordinator = new FakeCoordinator(200, List.of());
        AgentHarness agent = new AgentHarness(List.of(coordinator.endpoint()),
            FakeCoordinator.TOKEN, runtime, dataDir)) {
      Await.until(WAIT, () -> coordinator.hellos().size() == 1, "hello");
      assertTrue(coordinator.hellos().get(0).getTakesAssignmentChanges());
      coordinator.send(assign("t1", "t2"));
      Await.until(WAIT, () -> runtime.containersOf("t1").size() == 1 && runtime.containersOf("t2").size() == 1,
          "t1 and t2 created");
      coordinator.send(CoordinatorMessage.newBuilder()
          .setAssignments(assign("t3").getAssignments().toBuilder().setChangesOnly(true).addRemovedTaskIds("t1"))
          .build());
      Await.until(WAIT, () -> runtime.containersOf("t3").size() == 1 && runtime.containersOf("t1").isEmpty(),
          "t3 created and t1 removed");
      assertEquals(1, runtime.containersOf("t2").size(), "a task the changes leave alone keeps running");
      assertEquals(3L, runtime.count("create"));
    }
  }

  @Test
  void reconnectsAfterTheStreamDropsWithoutTouchingContainers() throws Exception {
    FakeContainerRuntime runtime = new FakeContainerRuntime("h1");
    try (FakeCoordinator coordinator = new FakeCoordinator(100, List.of());
        AgentHarness agent = new AgentHarness(List.of(coordinator.endpoint()),
            FakeCoordinator.TOKEN, runtime, dataDir)) {
      Await.until(WAIT, () -> coordinator.hellos().size() == 1, "hello");
      coordinator.send(assign("t1"));
      Await.until(WAIT, () -> coordinator.statuses().stream().anyMatch(s ->
          s.getState() == TaskState.TASK_RUNNING), "t1 running");
      String container = runtime.containersOf("t1").get(0).containerId();

      coordinator.dropSession();
      Await.until(WAIT, () -> coordinator.hellos().size() == 2, "a second hello");

      Hello again = coordinator.hellos().get(1);
      assertEquals(1, again.getTasksCount());
      assertEquals(container, again.getTasks(0).getContainerId());
      assertEquals(TaskState.TASK_RUNNING, again.getTasks(0).getState());
      assertEquals(2, coordinator.joins.size(), "it joined again");
      assertEquals(1, runtime.count("create"));
      assertEquals(1, runtime.count("start"));
      assertEquals(0, runtime.count("remove"));
    }
  }

  @Test
  void triesTheNextCoordinatorWhenOneIsDown() throws Exception {
    int deadPort;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      deadPort = s.getLocalPort();
    }
    FakeContainerRuntime runtime = new FakeContainerRuntime("h1");
    try (FakeCoordinator coordinator = new FakeCoordinator(100, List.of());
        AgentHarness agent = new AgentHarness(
            List.of("127.0.0.1:" + deadPort, coordinator.endpoint()),
            FakeCoordinator.TOKEN, runtime, dataDir)) {
      Await.until(WAIT, () -> coordinator.hellos().size() == 1, "hello via the second endpoint");
      assertFalse(agent.exit.isDone());
    }
  }

  @Test
  void aRefusedTokenStopsTheAgentWithANonZeroExit() throws Exception {
    FakeContainerRuntime runtime = new FakeContainerRuntime("h1");
    try (FakeCoordinator coordinator = new FakeCoordinator(100, List.of());
        AgentHarness agent = new AgentHarness(List.of(coordinator.endpoint()), "wrong",
            runtime, dataDir)) {
      int code = agent.exit.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertEquals(Agent.EXIT_JOIN_REFUSED, code);
      assertEquals(1, coordinator.joins.size(), "no retry loop on a refused token");
      assertTrue(coordinator.hellos().isEmpty());
    }
  }

  @Test
  void heartbeatsCarryRuntimeHealth() throws Exception {
    FakeContainerRuntime runtime = new FakeContainerRuntime("h1");
    try (FakeCoordinator coordinator = new FakeCoordinator(50, List.of());
        AgentHarness agent = new AgentHarness(List.of(coordinator.endpoint()),
            FakeCoordinator.TOKEN, runtime, dataDir)) {
      Await.until(WAIT, () -> coordinator.heartbeats() >= 1
          && coordinator.lastHeartbeat().getHeartbeat().getRuntimeHealthy(), "healthy beat");
      runtime.setDown(true);
      agent.agent.reconcileLoop().resyncNow();
      Await.until(WAIT, () -> !coordinator.lastHeartbeat().getHeartbeat().getRuntimeHealthy(),
          "an unhealthy heartbeat");
      assertTrue(coordinator.lastHeartbeat().getHeartbeat().getRuntimeError()
          .contains("fake runtime is down"));
      runtime.setDown(false);
      Await.until(WAIT, () -> coordinator.lastHeartbeat().getHeartbeat().getRuntimeHealthy(),
          "healthy again");
    }
  }
}
