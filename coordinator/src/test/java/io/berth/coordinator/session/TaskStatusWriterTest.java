package io.berth.coordinator.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.berth.proto.TaskHealth;
import io.berth.proto.TaskRecord;
import io.berth.proto.TaskState;
import io.berth.proto.TaskStatus;
import org.junit.jupiter.api.Test;

/** Agents' reports as the task records take them: health changes keep the time the state began. */
class TaskStatusWriterTest {
  private static final TaskRecord RUNNING = TaskRecord.newBuilder().setId("t1").setNode("h1")
      .setState(TaskState.TASK_RUNNING).setContainerId("c1").setUpdatedAtMs(1_000).build();

  private static TaskRecord report(TaskRecord t, String node, TaskStatus s) {
    return TaskStatusWriter.apply(t, new TaskStatusWriter.Report(node, s));
  }

  private static TaskStatus.Builder running() {
    return TaskStatus.newBuilder().setTaskId("t1").setState(TaskState.TASK_RUNNING).setContainerId("c1");
  }

  @Test
  void aHealthChangeIsRecordedWithoutMovingTheStateTime() {
    TaskRecord t = report(RUNNING, "h1", running().setHealth(TaskHealth.HEALTH_HEALTHY).setHealthOutput("GET /: HTTP 200")
        .setAtMs(5_000).build());
    assertEquals(TaskHealth.HEALTH_HEALTHY, t.getHealth());
    assertEquals("GET /: HTTP 200", t.getHealthOutput());
    assertEquals(5_000, t.getHealthChangedAtMs());
    assertEquals(1_000, t.getUpdatedAtMs(), "min_healthy_time still counts from the start");

    TaskRecord same = report(t, "h1", running().setHealth(TaskHealth.HEALTH_HEALTHY).setHealthOutput("GET /: HTTP 200")
        .setAtMs(6_000).build());
    assertSame(t, same, "nothing changed: no write");

    TaskRecord exited = report(t, "h1", TaskStatus.newBuilder().setTaskId("t1").setState(TaskState.TASK_FAILED)
        .setContainerId("c1").setExitCode(137).setAtMs(9_000).build());
    assertEquals(9_000, exited.getUpdatedAtMs());
    assertEquals(TaskHealth.HEALTH_NONE, exited.getHealth());
  }

  @Test
  void aReportStampedBeforeTheLastOneTakenInIsIgnored() {
    TaskRecord starting = RUNNING.toBuilder().setState(TaskState.TASK_STARTING).build();
    TaskRecord running = report(starting, "h1", running().setAtMs(7_000).build());
    assertEquals(TaskState.TASK_RUNNING, running.getState());
    assertEquals(7_000, running.getReportedAtMs());
    // The STARTING of 6,000 arrives late (a retried write, or through the coordinator the agent left).
    assertSame(running, report(running, "h1", running().setState(TaskState.TASK_STARTING).setAtMs(6_000).build()));
    // Without a stamp a report is taken as it comes; a newer one is taken in.
    TaskRecord failed = report(running, "h1", running().setState(TaskState.TASK_FAILED).setExitCode(1).setAtMs(8_000).build());
    assertEquals(TaskState.TASK_FAILED, failed.getState());
    assertEquals(8_000, failed.getReportedAtMs());
  }

  @Test
  void anAgentSpeaksOnlyForItsOwnNode() {
    assertSame(RUNNING, report(RUNNING, "h2", running().setHealth(TaskHealth.HEALTH_UNHEALTHY).build()));
  }
}
