package io.berth.coordinator.leader;

import io.berth.coordinator.testing.FreePort;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.coordinator.scheduler.Plan;
import io.berth.coordinator.state.ClusterSnapshot;
import io.berth.coordinator.state.ClusterStore;
import io.berth.coordinator.state.JobKey;
import io.berth.coordinator.state.RaftClusterStore;
import io.berth.coordinator.state.StoreConfig;
import io.berth.proto.DesiredState;
import io.berth.proto.JobRecord;
import io.berth.proto.JobSpec;
import io.berth.proto.JobState;
import io.berth.proto.TaskRecord;
import io.berth.proto.TaskState;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Plans committed through a real one-member Raft store, task by task. */
class PlanApplierTest {
  private static final JobKey WEB = new JobKey("default", "web");
  private static final JobKey BATCH = new JobKey("default", "batch");

  @TempDir Path dataDir;

  private static JobState job(String name, long version, TaskRecord... tasks) {
    return JobState.newBuilder().setJob(JobRecord.newBuilder().setVersion(version)
        .setSpec(JobSpec.newBuilder().setName(name))).addAllTasks(List.of(tasks)).build();
  }

  private static TaskRecord task(JobKey job, String id) {
    return TaskRecord.newBuilder().setId(id).setNamespace(job.namespace()).setJob(job.name()).setNode("n1")
        .setJobVersion(1).setDesired(DesiredState.DESIRED_RUN).setState(TaskState.TASK_PENDING).build();
  }

  @Test
  void aPlanLargerThanOneEntryIsCommittedInPartsAndPreemptsAcrossJobs() throws IOException {
    try (RaftClusterStore store = startStore()) {
      store.updateJob(BATCH, old -> job("batch", 1, task(BATCH, "batch-a-0-x")));
      long v = store.updateJob(WEB, old -> job("web", 1, task(WEB, "web-a-0-old"))).version();
      ClusterSnapshot basis = store.awaitVersion(v, Duration.ofSeconds(10));

      int n = PlanApplier.PLACEMENTS_PER_WRITE * 2 + 10;
      List<TaskRecord> place = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        place.add(task(WEB, "web-a-" + i + "-new"));
      }
      Plan plan = new Plan(WEB, 1, place, List.of("web-a-0-old", "batch-a-0-x"), List.of(), List.of());
      long written = new PlanApplier(store).apply(plan, basis);
      ClusterSnapshot after = store.awaitVersion(written, Duration.ofSeconds(10));

      assertEquals(n + 1, after.job(WEB).orElseThrow().getTasksCount());
      assertEquals(DesiredState.DESIRED_STOP, after.task(WEB, "web-a-0-old").orElseThrow().getDesired());
      TaskRecord victim = after.task(BATCH, "batch-a-0-x").orElseThrow();
      assertEquals(DesiredState.DESIRED_STOP, victim.getDesired());
      assertEquals("preempted", victim.getMessage());
      assertEquals(n, after.tasksDesiredOn("n1").size(), "the new tasks hold the node; the stopped ones not");
    }
  }

  @Test
  void aPlanForAnotherJobVersionWritesNothing() throws IOException {
    try (RaftClusterStore store = startStore()) {
      store.updateJob(BATCH, old -> job("batch", 1, task(BATCH, "batch-a-0-x")));
      long v = store.updateJob(WEB, old -> job("web", 2)).version();
      ClusterSnapshot basis = store.awaitVersion(v, Duration.ofSeconds(10));

      Plan stale = new Plan(WEB, 1, List.of(task(WEB, "web-a-0-y")), List.of("batch-a-0-x"), List.of(), List.of());
      assertEquals(-1, new PlanApplier(store).apply(stale, basis));
      ClusterSnapshot after = store.snapshot();
      assertTrue(after.job(WEB).orElseThrow().getTasksList().isEmpty());
      assertEquals(DesiredState.DESIRED_RUN, after.task(BATCH, "batch-a-0-x").orElseThrow().getDesired(),
          "a rejected plan preempts nothing");
    }
  }

  private RaftClusterStore startStore() throws IOException {
    return RaftClusterStore.start(StoreConfig.single("c1", "127.0.0.1", FreePort.any(), dataDir), Duration.ofSeconds(60));
  }

  /** The state once WEB is stored at version 1, without tasks. */
  private static ClusterSnapshot webWithoutTasks(RaftClusterStore store) {
    return store.awaitVersion(store.updateJob(WEB, old -> job("web", 1)).version(), Duration.ofSeconds(10));
  }

  /** The placements of indexes [from, to) of WEB, each task id ending in {@code alloc}. */
  private static List<TaskRecord> placements(int from, int to, String alloc) {
    List<TaskRecord> out = new ArrayList<>();
    for (int i = from; i < to; i++) {
      out.add(task(WEB, "web-a-" + i + "-" + alloc));
    }
    return out;
  }

  @Test
  void aPlanMadeOnAStateWithoutAnotherPlansWritesIsRejectedWhole() throws IOException {
    try (RaftClusterStore store = startStore()) {
      ClusterSnapshot basis = webWithoutTasks(store);
      int n = PlanApplier.PLACEMENTS_PER_WRITE * 2 + 10;
      PlanApplier applier = new PlanApplier(store);

      // Both made on one state: a leader planning again after a write that timed out but landed.
      Plan landed = new Plan(WEB, 1, placements(0, n, "one"), List.of(), List.of(), List.of());
      Plan again = new Plan(WEB, 1, placements(0, n, "two"), List.of(), List.of(), List.of());
      long written = applier.apply(landed, basis);
      assertEquals(-1, applier.apply(again, basis));

      ClusterSnapshot after = store.awaitVersion(written, Duration.ofSeconds(10));
      assertEquals(n, after.job(WEB).orElseThrow().getTasksCount(), "each index placed once");
      assertTrue(after.task(WEB, "web-a-0-two").isEmpty());
    }
  }

  @Test
  void aLaterPartThatMeetsAnotherPlansWriteIsDropped() throws IOException {
    try (RaftClusterStore store = startStore()) {
      ClusterSnapshot basis = webWithoutTasks(store);
      int n = PlanApplier.PLACEMENTS_PER_WRITE;
      Plan deposed = new Plan(WEB, 1, placements(0, 2 * n, "old"), List.of(), List.of(), List.of());
      long firstPart = store.update(s -> PlanApplier.firstPart(s, basis.jobRecordIndex(WEB), deposed, Map.of(),
          deposed.place().subList(0, n)));
      assertTrue(firstPart > 0);

      // Another plan, made on the state with the first part, places the rest before the second part comes.
      ClusterSnapshot withFirst = store.awaitVersion(firstPart, Duration.ofSeconds(10));
      Plan next = new Plan(WEB, 1, placements(n, 2 * n, "new"), List.of(), List.of(), List.of());
      long written = new PlanApplier(store).apply(next, withFirst);
      store.awaitVersion(written, Duration.ofSeconds(10));
      JobState header = PlanApplier.headerAfter(deposed, basis.jobWithoutTasks(WEB).orElseThrow());
      assertEquals(-1, store.update(s -> PlanApplier.placements(s, firstPart, header, deposed,
          deposed.place().subList(n, 2 * n))), "the replica has the other plan's write: nothing is sent");
      assertThrows(ClusterStore.StoreUnavailableException.class, () -> store.update(
          s -> PlanApplier.placements(withFirst, firstPart, header, deposed, deposed.place().subList(n, 2 * n))),
          "made on a replica without the other plan's write, it is refused by the log");

      ClusterSnapshot after = store.snapshot();
      assertEquals(2 * n, after.job(WEB).orElseThrow().getTasksCount(), "each index placed once");
      assertTrue(after.task(WEB, "web-a-" + n + "-new").isPresent());
      assertTrue(after.task(WEB, "web-a-" + n + "-old").isEmpty());
    }
  }

}
