package io.berth.coordinator.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.coordinator.state.ClusterSnapshot;
import io.berth.coordinator.state.JobKey;
import io.berth.coordinator.state.RaftClusterStore;
import io.berth.coordinator.state.StateChange;
import io.berth.coordinator.state.StoreConfig;
import io.berth.coordinator.testing.Await;
import io.berth.coordinator.testing.FreePort;
import io.berth.coordinator.zone.TaskNames;
import io.berth.proto.Assignments;
import io.berth.proto.CoordinatorMessage;
import io.berth.proto.DesiredState;
import io.berth.proto.GroupSpec;
import io.berth.proto.JobRecord;
import io.berth.proto.JobSpec;
import io.berth.proto.JobState;
import io.berth.proto.NodeFacts;
import io.berth.proto.NodeRecord;
import io.berth.proto.NodeStatus;
import io.berth.proto.TaskAssignment;
import io.berth.proto.TaskRecord;
import io.berth.proto.TaskState;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the sessions are sent as the state changes: a whole set first, then only what changed. */
class SessionRegistryTest {
  private final SessionRegistry sessions = new SessionRegistry(new AssignmentBuilder(new TaskNames("berth.")));

  /** The end of an agent's stream, as the coordinator writes to it. */
  private static final class AgentEnd implements StreamObserver<CoordinatorMessage> {
    final List<Assignments> got = new CopyOnWriteArrayList<>();

    @Override
    public void onNext(CoordinatorMessage m) {
      if (m.hasAssignments()) {
        got.add(m.getAssignments());
      }
    }

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onCompleted() {}
  }

  @Test
  void anAgentThatTakesChangesGetsTheWholeSetFirstThenOnlyTheTasksAddedAndTheIdsRemoved() {
    sessions.accept(state(1, "h1", 0, 1, 3));
    AgentEnd agent = attach("h1", true);
    assertEquals(1, agent.got.size());
    assertFalse(agent.got.get(0).getChangesOnly());
    assertEquals(List.of("demo-web-0", "demo-web-1", "demo-web-3"), ids(agent.got.get(0)));

    sessions.accept(state(2, "h1", 1, 2, 3, 4));
    assertEquals(2, agent.got.size());
    Assignments changes = agent.got.get(1);
    assertTrue(changes.getChangesOnly());
    assertEquals(List.of("demo-web-2", "demo-web-4"), ids(changes), "only the added tasks are built and sent");
    assertEquals(List.of("demo-web-0"), changes.getRemovedTaskIdsList());
    assertEquals("4.web.demo.default.berth", changes.getTasks(1).getContainer().getHostname());

    sessions.accept(state(3, "h1", 1, 2, 3, 4));
    assertEquals(2, agent.got.size(), "the same set again sends nothing");

    sessions.accept(state(4, "h1"));
    assertEquals(List.of("demo-web-1", "demo-web-2", "demo-web-3", "demo-web-4"), agent.got.get(2).getRemovedTaskIdsList());
    assertEquals(0, agent.got.get(2).getTasksCount());
  }

  @Test
  void anAgentThatTakesOnlyWholeSetsGetsTheWholeSetEachTime() {
    sessions.accept(state(1, "h1", 0, 1));
    AgentEnd agent = attach("h1", false);
    sessions.accept(state(2, "h1", 1, 2));
    assertEquals(2, agent.got.size());
    assertFalse(agent.got.get(1).getChangesOnly());
    assertEquals(List.of("demo-web-1", "demo-web-2"), ids(agent.got.get(1)));
    assertEquals(0, agent.got.get(1).getRemovedTaskIdsCount());
  }

  @Test
  void aNewSessionOfTheSameNodeStartsFromAWholeSetAgain() {
    sessions.accept(state(1, "h1", 0, 1));
    attach("h1", true);
    sessions.accept(state(2, "h1", 0, 1, 2));
    AgentEnd second = attach("h1", true);
    assertEquals(1, second.got.size());
    assertFalse(second.got.get(0).getChangesOnly());
    assertEquals(List.of("demo-web-0", "demo-web-1", "demo-web-2"), ids(second.got.get(0)));
  }

  @Test
  void fedByAReplicaThatSaysWhoseSetsChangedEachAgentGetsItsNodesChangesAndNothingElse(@TempDir Path dir)
      throws Exception {
    try (RaftClusterStore store = RaftClusterStore.start(
        StoreConfig.single("c1", "127.0.0.1", FreePort.any(), dir), Duration.ofSeconds(60))) {
      store.addListener(sessions);
      JobKey demo = new JobKey("default", "demo");
      JobSpec spec = JobSpec.newBuilder().setName("demo").setNamespace("default").setType("service")
          .addGroups(GroupSpec.newBuilder().setName("web").setCount(3).setImage("i")).build();
      store.putNode(node("h1"));
      store.putNode(node("h2"));
      write(store, new StateChange()
          .putJob(demo, JobState.newBuilder().setJob(JobRecord.newBuilder().setSpec(spec).setVersion(1)).build()));
      AgentEnd h1 = attach("h1", true);
      AgentEnd h2 = attach("h2", true);
      Await.until("both whole sets", WAIT, () -> h1.got.size() == 1 && h2.got.size() == 1);

      write(store, new StateChange().putTask(demo, task(0, "h1", TaskState.TASK_PENDING)));
      Await.until("h1's new task", WAIT, () -> h1.got.size() == 2);
      assertEquals(List.of("demo-web-0"), ids(h1.got.get(1)));
      write(store, new StateChange().putTask(demo, task(1, "h2", TaskState.TASK_PENDING)));
      Await.until("h2's new task", WAIT, () -> h2.got.size() == 2);
      assertEquals(List.of("demo-web-1"), ids(h2.got.get(1)));

      // A report leaves h1's set as it was: the next thing h1 gets is its next task, alone.
      write(store, new StateChange().putTask(demo, task(0, "h1", TaskState.TASK_RUNNING)));
      write(store, new StateChange().putTask(demo, task(2, "h1", TaskState.TASK_PENDING)));
      Await.until("h1's second task", WAIT, () -> h1.got.size() == 3);
      assertEquals(List.of("demo-web-2"), ids(h1.got.get(2)));

      write(store, new StateChange().putTask(demo, task(1, "h2", TaskState.TASK_RUNNING).toBuilder()
          .setDesired(DesiredState.DESIRED_STOP).build()));
      Await.until("h2's task removed", WAIT, () -> h2.got.size() == 3);
      assertEquals(List.of("demo-web-1"), h2.got.get(2).getRemovedTaskIdsList());
      assertEquals(3, h1.got.size(), "nothing for h1 from h2's changes");
    }
  }

  private static final Duration WAIT = Duration.ofSeconds(15);

  private static void write(RaftClusterStore store, StateChange change) {
    store.awaitVersion(store.update(s -> change), WAIT);
  }

  private static NodeRecord node(String name) {
    return NodeRecord.newBuilder().setFacts(NodeFacts.newBuilder().setName(name).setAddress("10.0.0.11"))
        .setStatus(NodeStatus.NODE_READY).build();
  }

  private static TaskRecord task(int index, String node, TaskState state) {
    return TaskRecord.newBuilder().setId("demo-web-" + index).setNamespace("default").setJob("demo")
        .setGroup("web").setIndex(index).setNode(node).setState(state).setDesired(DesiredState.DESIRED_RUN).build();
  }

  /** Opens a session of {@code node} as an agent whose Hello says whether it takes changes. */
  private AgentEnd attach(String node, boolean takesChanges) {
    AgentEnd end = new AgentEnd();
    sessions.attach(new AgentSession(node, end, takesChanges));
    return end;
  }

  private static List<String> ids(Assignments a) {
    return a.getTasksList().stream().map(TaskAssignment::getTaskId).toList();
  }

  /** Tasks demo-web-{indexes} desired to run on {@code node}. */
  private static ClusterSnapshot state(long version, String node, int... indexes) {
    JobSpec spec = JobSpec.newBuilder().setName("demo").setNamespace("default").setType("service")
        .addGroups(GroupSpec.newBuilder().setName("web").setCount(indexes.length).setImage("i")).build();
    JobState.Builder js = JobState.newBuilder().setJob(JobRecord.newBuilder().setSpec(spec).setVersion(1));
    for (int i : indexes) {
      js.addTasks(TaskRecord.newBuilder().setId("demo-web-" + i).setNamespace("default").setJob("demo")
          .setGroup("web").setIndex(i).setNode(node).setState(TaskState.TASK_RUNNING)
          .setDesired(DesiredState.DESIRED_RUN));
    }
    NodeRecord n = NodeRecord.newBuilder().setFacts(NodeFacts.newBuilder().setName(node).setAddress("10.0.0.11"))
        .setStatus(NodeStatus.NODE_READY).build();
    return new ClusterSnapshot(version, Map.of(node, n), Map.of(new JobKey("default", "demo"), js.build()));
  }
}
