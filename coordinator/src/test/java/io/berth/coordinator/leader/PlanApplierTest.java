package io.berth.coordinator.leader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.coordinator.scheduler.Plan;
import io.berth.coordinator.state.ClusterSnapshot;
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
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
    try (RaftClusterStore store = RaftClusterStore.start(
        StoreConfig.single("c1", "127.0.0.1", freePort(), dataDir), Duration.ofSeconds(60))) {
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
    try (RaftClusterStore store = RaftClusterStore.start(
        StoreConfig.single("c1", "127.0.0.1", freePort(), dataDir), Duration.ofSeconds(60))) {
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

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
