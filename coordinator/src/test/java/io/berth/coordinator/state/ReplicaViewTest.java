package io.berth.coordinator.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.proto.JobRecord;
import io.berth.proto.JobSpec;
import io.berth.proto.JobState;
import io.berth.proto.StateCommand;
import io.berth.proto.StateOp;
import io.berth.proto.TaskRecord;
import io.berth.proto.TaskState;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The replica view over the split layout: a job record and its tasks under their own keys come
 * out as one job; each task write touches that task alone; earlier snapshots never change.
 */
class ReplicaViewTest {
  private static final JobKey WEB = new JobKey("default", "web");

  private final StateMachine machine = new StateMachine();
  private final ReplicaView view = new ReplicaView();
  private long index;

  private static JobState header(long version) {
    return JobState.newBuilder().setJob(JobRecord.newBuilder().setVersion(version)
        .setSpec(JobSpec.newBuilder().setName("web"))).build();
  }

  private static TaskRecord task(String id, TaskState state) {
    return TaskRecord.newBuilder().setId(id).setNamespace("default").setJob("web").setNode("n1").setState(state).build();
  }

  /** Writes {@code change} made against the current snapshot, as the store does; returns the outcome. */
  private StateMachine.Applied write(StateChange change) {
    List<StateOp> ops = change.toOps(view.snapshot());
    StateMachine.Applied a = machine.apply(++index, StateCommand.newBuilder().addAllOps(ops).build());
    view.apply(a.changes());
    return a;
  }

  @Test
  void aJobAndItsTasksWrittenApartReadAsOneJob() {
    write(new StateChange().putJob(WEB, header(1))
        .putTask(WEB, task("web-a-0-x", TaskState.TASK_PENDING)).putTask(WEB, task("web-a-1-y", TaskState.TASK_PENDING)));
    ClusterSnapshot s = view.snapshot();
    JobState whole = s.job(WEB).orElseThrow();
    assertEquals(1, whole.getJob().getVersion());
    assertEquals(List.of("web-a-0-x", "web-a-1-y"), whole.getTasksList().stream().map(TaskRecord::getId).toList());
    assertEquals(WEB, s.jobOfTask("web-a-1-y").orElseThrow());
    assertEquals(2, s.taskCount());
    assertEquals(0, s.jobWithoutTasks(WEB).orElseThrow().getTasksCount());
  }

  @Test
  void aJobsTaskCountsFollowItsTasksWithoutWalkingThem() {
    write(new StateChange().putJob(WEB, header(1))
        .putTask(WEB, running("t0", TaskState.TASK_PENDING)).putTask(WEB, running("t1", TaskState.TASK_PENDING))
        .putTask(WEB, running("t2", TaskState.TASK_PENDING)));
    assertEquals(new TaskCounts(0, 3, 0), view.snapshot().taskCounts(WEB));
    write(new StateChange().putTask(WEB, running("t0", TaskState.TASK_RUNNING))
        .putTask(WEB, running("t1", TaskState.TASK_LOST)));
    ClusterSnapshot mid = view.snapshot();
    assertEquals(new TaskCounts(1, 1, 1), mid.taskCounts(WEB));
    // Stopping leaves the counts (a task desired to stop counts nowhere); removal too.
    write(new StateChange().putTask(WEB, running("t0", TaskState.TASK_RUNNING).toBuilder()
        .setDesired(io.berth.proto.DesiredState.DESIRED_STOP).build()).removeTask(WEB, "t1").removeTask(WEB, "nope"));
    assertEquals(new TaskCounts(0, 1, 0), view.snapshot().taskCounts(WEB));
    assertEquals(new TaskCounts(1, 1, 1), mid.taskCounts(WEB), "a snapshot's counts are its own");
    assertEquals(TaskCounts.of(view.snapshot().tasksOf(WEB)), view.snapshot().taskCounts(WEB), "as a walk counts them");
    assertEquals(TaskCounts.NONE, view.snapshot().taskCounts(new JobKey("default", "none")));
  }

  private static TaskRecord running(String id, TaskState state) {
    return task(id, state).toBuilder().setDesired(io.berth.proto.DesiredState.DESIRED_RUN).build();
  }

  @Test
  void aTaskWriteTouchesThatTaskAloneAndLeavesEarlierSnapshotsAsTheyWere() {
    write(new StateChange().putJob(WEB, header(1))
        .putTask(WEB, task("t0", TaskState.TASK_PENDING)).putTask(WEB, task("t1", TaskState.TASK_PENDING)));
    ClusterSnapshot before = view.snapshot();
    long jobIndex = before.indexOf(StateKeys.job(WEB));

    StateMachine.Applied a = write(new StateChange().putTask(WEB, task("t1", TaskState.TASK_RUNNING)));
    assertEquals(1, a.changes().size(), "one key written");
    ClusterSnapshot after = view.snapshot();
    assertEquals(TaskState.TASK_RUNNING, after.task("t1").orElseThrow().getState());
    assertEquals(TaskState.TASK_PENDING, before.task("t1").orElseThrow().getState(), "a snapshot is immutable");
    assertEquals(TaskState.TASK_PENDING, before.job(WEB).orElseThrow().getTasks(1).getState());
    assertEquals(jobIndex, after.indexOf(StateKeys.job(WEB)), "the job record was not rewritten");
    assertEquals(before.indexOf(StateKeys.task(WEB, "t0")), after.indexOf(StateKeys.task(WEB, "t0")));
  }

  @Test
  void aChangeMadeOnAStaleSnapshotConflictsOnlyOnTheKeysItNames() {
    write(new StateChange().putJob(WEB, header(1))
        .putTask(WEB, task("t0", TaskState.TASK_PENDING)).putTask(WEB, task("t1", TaskState.TASK_PENDING)));
    ClusterSnapshot stale = view.snapshot();
    write(new StateChange().putTask(WEB, task("t0", TaskState.TASK_RUNNING)));

    // Another task than the one that moved: applies.
    StateMachine.Applied other = machine.apply(++index, StateCommand.newBuilder()
        .addAllOps(new StateChange().putTask(WEB, task("t1", TaskState.TASK_RUNNING)).toOps(stale)).build());
    assertEquals(io.berth.proto.StateResult.Outcome.APPLIED, other.result().getOutcome());
    view.apply(other.changes());
    // The same task: refused, nothing written.
    StateMachine.Applied same = machine.apply(++index, StateCommand.newBuilder()
        .addAllOps(new StateChange().putTask(WEB, task("t0", TaskState.TASK_FAILED)).toOps(stale)).build());
    assertEquals(io.berth.proto.StateResult.Outcome.CONFLICT, same.result().getOutcome());
    assertEquals(StateKeys.task(WEB, "t0"), same.result().getConflictKey());
    // A guard on the job record refuses once the record moved.
    write(new StateChange().putJob(WEB, header(2)));
    StateMachine.Applied guarded = machine.apply(++index, StateCommand.newBuilder()
        .addAllOps(new StateChange().guardJob(WEB).putTask(WEB, task("t9", TaskState.TASK_PENDING)).toOps(stale)).build());
    assertEquals(io.berth.proto.StateResult.Outcome.CONFLICT, guarded.result().getOutcome());
  }

  @Test
  void aWholeJobChangeWritesOnlyWhatDiffers() {
    write(new StateChange().putJob(WEB, header(1))
        .putTask(WEB, task("t0", TaskState.TASK_PENDING)).putTask(WEB, task("t1", TaskState.TASK_PENDING)));
    JobState old = view.snapshot().job(WEB).orElseThrow();
    JobState next = old.toBuilder().setTasks(1, task("t1", TaskState.TASK_RUNNING)).build();
    StateChange c = StateChange.between(WEB, view.snapshot().entry(WEB).orElseThrow(), next);
    assertEquals(2, c.size(), "t1 and a guard on the job record");
    assertFalse(c.isEmpty());
    write(c);
    assertEquals(next, view.snapshot().job(WEB).orElseThrow());

    // Removing the job removes its record and every task.
    StateMachine.Applied removed = write(StateChange.between(WEB, view.snapshot().entry(WEB).orElseThrow(), null));
    assertEquals(3, removed.changes().size());
    assertTrue(view.snapshot().job(WEB).isEmpty());
    assertTrue(view.snapshot().jobOfTask("t0").isEmpty());
    assertEquals(0, view.snapshot().taskCount());
  }

  @Test
  void aRestoredViewHoldsTheSameJobs() {
    write(new StateChange().putJob(WEB, header(1)).putTask(WEB, task("t0", TaskState.TASK_RUNNING)));
    ReplicaView restored = new ReplicaView();
    restored.reset(machine.contents(), index);
    assertEquals(view.snapshot().jobs(), restored.snapshot().jobs());
    assertEquals(view.snapshot().indexOf(StateKeys.task(WEB, "t0")), restored.snapshot().indexOf(StateKeys.task(WEB, "t0")));
  }

  @Test
  void tasksReadInPlaceAreTheJobsTasksAndShareOneJobKey() {
    write(new StateChange().putJob(WEB, header(1))
        .putTask(WEB, task("t0", TaskState.TASK_PENDING)).putTask(WEB, task("t1", TaskState.TASK_PENDING)));
    write(new StateChange().putTask(WEB, task("t1", TaskState.TASK_RUNNING)).putTask(WEB, task("t2", TaskState.TASK_PENDING)));
    ClusterSnapshot s = view.snapshot();
    assertEquals(s.job(WEB).orElseThrow().getTasksList(), List.copyOf(s.tasksOf(WEB)));
    assertEquals(3, s.tasksOf(WEB).size());
    assertEquals(List.of(WEB), List.copyOf(s.jobHeaders().keySet()));
    assertEquals(0, s.jobHeaders().get(WEB).getTasksCount(), "headers come without tasks");
    assertTrue(s.tasksOf(new JobKey("default", "none")).isEmpty());
    // One key object for the job, however many task keys were parsed (two per task otherwise).
    assertSame(s.jobOfTask("t0").orElseThrow(), s.jobOfTask("t2").orElseThrow());
    write(new StateChange().putTask(WEB, task("t0", TaskState.TASK_RUNNING).toBuilder()
        .setDesired(io.berth.proto.DesiredState.DESIRED_RUN).build()));
    assertSame(s.jobOfTask("t0").orElseThrow(), view.snapshot().tasksDesiredOn("n1").get("t0"));
    // The tasks' own strings are shared too, and the records read as written.
    TaskRecord t0 = view.snapshot().task("t0").orElseThrow();
    TaskRecord t2 = view.snapshot().task("t2").orElseThrow();
    assertSame(t0.getNode(), t2.getNode());
    assertSame(t0.getJob(), t2.getJob());
    assertSame(t0.getNamespace(), t2.getNamespace());
    assertEquals(task("t2", TaskState.TASK_PENDING), t2);
  }

  /**
   * A record without ports holds no ports map: protobuf's {@code toBuilder()} would give each one an
   * empty map of its own (~170 bytes a task, twice that with the views a reader caches).
   */
  @Test
  void aTaskWithoutPortsHoldsNoMapAndOneWithPortsKeepsThem() throws ReflectiveOperationException {
    TaskRecord withPorts = task("t1", TaskState.TASK_RUNNING).toBuilder().putPorts("http", 31000).build();
    write(new StateChange().putJob(WEB, header(1)).putTask(WEB, task("t0", TaskState.TASK_RUNNING)).putTask(WEB, withPorts));
    JobState job = view.snapshot().job(WEB).orElseThrow();
    java.lang.reflect.Field ports = TaskRecord.class.getDeclaredField("ports_");
    ports.setAccessible(true);

    TaskRecord t0 = job.getTasksList().get(0);
    assertEquals(null, ports.get(t0), "no map held for a task without ports");
    assertEquals(task("t0", TaskState.TASK_RUNNING), t0);
    assertEquals(withPorts, job.getTasksList().get(1));
  }

  /** An earlier snapshot's marks say what changed since, and keep none of its records alive. */
  @Test
  void marksTellWhatChangedWithoutKeepingTheEarlierRecords() {
    write(new StateChange().putJob(WEB, header(1)).putTask(WEB, task("t0", TaskState.TASK_PENDING)));
    JobKey other = new JobKey("default", "other");
    write(new StateChange().putJob(other, header(1)));
    ClusterSnapshot before = view.snapshot();
    ClusterSnapshot.Marks marks = before.marks();
    assertTrue(before.sameNodesAndJobs(marks) && before.sameNodes(marks) && before.sameJob(WEB, marks));
    java.lang.ref.WeakReference<TaskRecord> pending = new java.lang.ref.WeakReference<>(before.task("t0").orElseThrow());

    write(new StateChange().putTask(WEB, task("t0", TaskState.TASK_RUNNING)));
    ClusterSnapshot after = view.snapshot();
    assertFalse(after.sameNodesAndJobs(marks), "a task changed");
    assertTrue(after.sameNodes(marks), "no node changed");
    assertFalse(after.sameJob(WEB, marks), "its job changed");
    assertTrue(after.sameJob(other, marks), "the other job did not");
    assertTrue(after.sameJob(new JobKey("default", "none"), marks), "a job absent then and now");

    before = null;
    for (int i = 0; i < 100 && pending.get() != null; i++) {
      System.gc(); // a full collection clears the weak reference once nothing else holds the record
    }
    assertEquals(null, pending.get(), "the earlier record was collected while its snapshot's marks live");
    assertFalse(after.sameJob(WEB, marks), "and its job still reads as changed");
    assertTrue(after.sameJob(other, marks), "the unchanged job, kept by the current snapshot, still reads the same");
  }

  @Test
  void aSnapshotNamesTheNodesWhoseDesiredSetsChangedSinceTheOnePublishedBeforeIt() {
    write(new StateChange().putJob(WEB, header(1)).putTask(WEB, running("t0", TaskState.TASK_PENDING)));
    ClusterSnapshot first = view.snapshot();
    assertTrue(first.nodesWithNewDesiredSetsSince(ClusterSnapshot.EMPTY).isEmpty(), "the first: unknown");

    write(new StateChange().putTask(WEB, running("t1", TaskState.TASK_PENDING).toBuilder().setNode("n2").build()));
    ClusterSnapshot placed = view.snapshot();
    assertEquals(java.util.Set.of("n2"), placed.nodesWithNewDesiredSetsSince(first).orElseThrow());

    // A report leaves every set as it was; a move changes both nodes' sets.
    write(new StateChange().putTask(WEB, running("t0", TaskState.TASK_RUNNING)));
    ClusterSnapshot reported = view.snapshot();
    assertEquals(java.util.Set.of(), reported.nodesWithNewDesiredSetsSince(placed).orElseThrow());
    assertSame(placed.tasksDesiredOn("n1"), reported.tasksDesiredOn("n1"));
    write(new StateChange().putTask(WEB, running("t0", TaskState.TASK_PENDING).toBuilder().setNode("n3").build()));
    ClusterSnapshot moved = view.snapshot();
    assertEquals(java.util.Set.of("n1", "n3"), moved.nodesWithNewDesiredSetsSince(reported).orElseThrow());
    assertTrue(moved.nodesWithNewDesiredSetsSince(placed).isEmpty(), "not the one just before: unknown");

    ReplicaView restored = new ReplicaView();
    restored.reset(machine.contents(), index);
    assertTrue(restored.snapshot().nodesWithNewDesiredSetsSince(moved).isEmpty(), "after a restore: unknown");
  }
}
