package io.berth.agent.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.agent.runtime.ContainerPhase;
import io.berth.agent.runtime.RuntimeHealth;
import io.berth.agent.testing.Await;
import io.berth.agent.testing.FakeContainerRuntime;
import io.berth.proto.ContainerSpec;
import io.berth.proto.TaskState;
import io.berth.proto.TaskStatus;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ReconcileLoopTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private final FakeContainerRuntime runtime = new FakeContainerRuntime();
  private final List<TaskStatus> reports = new CopyOnWriteArrayList<>();
  private final RuntimeHealth health = new RuntimeHealth();
  // A resync period far beyond the test: whatever happens here comes from events or retries.
  private final ReconcileLoop loop = new ReconcileLoop(runtime,
      new Reconciler(runtime, reports::addAll), health, Duration.ofHours(1),
      Duration.ofMillis(10), Duration.ofMillis(50));

  @AfterEach
  void close() {
    loop.close();
  }

  private boolean reported(String taskId, TaskState state) {
    return reports.stream().anyMatch(s -> s.getTaskId().equals(taskId) && s.getState() == state);
  }

  @Test
  void anEventAloneBringsAnExitToTheCoordinator() {
    loop.start();
    loop.setDesired(Map.of("t1", ContainerSpec.newBuilder().setImage("lab/busybox:1").build()));
    Await.until(WAIT, () -> reported("t1", TaskState.TASK_RUNNING), "t1 running");
    Await.until(WAIT, () -> runtime.listeners() == 1, "the event watch");

    runtime.exit(runtime.containersOf("t1").get(0).containerId(), 0);

    Await.until(WAIT, () -> reported("t1", TaskState.TASK_EXITED), "t1 exited");
    assertEquals(1, runtime.count("list"), "no resync was needed");
  }

  @Test
  void eventsThatArriveWhileTheLoopIsBusyAreLookedAtOncePerContainer() throws Exception {
    loop.start();
    loop.setDesired(Map.of("t1", ContainerSpec.newBuilder().setImage("lab/busybox:1").build()));
    Await.until(WAIT, () -> reported("t1", TaskState.TASK_RUNNING), "t1 running");
    Await.until(WAIT, () -> runtime.listeners() == 1, "the event watch");
    String id = runtime.containersOf("t1").get(0).containerId();
    long inspects = runtime.count("inspect " + id);

    java.util.concurrent.CountDownLatch busy = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CompletableFuture<Object> held = loop.call(r -> {
      try {
        busy.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return null;
    });
    runtime.exit(id, 0);
    runtime.exit(id, 0);
    busy.countDown();
    held.join();

    Await.until(WAIT, () -> reported("t1", TaskState.TASK_EXITED), "t1 exited");
    assertEquals(inspects + 1, runtime.count("inspect " + id), "two events, one look");
  }

  @Test
  void aRuntimeOutageMarksItUnhealthyAndReconcilingResumesWhenItIsBack() {
    runtime.put("adopted", ContainerPhase.RUNNING, 0);
    loop.start();
    Await.until(WAIT, () -> reported("adopted", TaskState.TASK_RUNNING), "adoption");

    runtime.setDown(true);
    loop.setDesired(Map.of("adopted", ContainerSpec.getDefaultInstance(),
        "t2", ContainerSpec.newBuilder().setImage("lab/busybox:1").build()));
    Await.until(WAIT, () -> !health.snapshot().healthy(), "runtime marked unhealthy");
    assertTrue(health.snapshot().error().contains("fake runtime is down"),
        health.snapshot().error());
    List<TaskStatus> during = loop.call(Reconciler::statuses).join();
    assertEquals(1, during.size());
    assertEquals(TaskState.TASK_RUNNING, during.get(0).getState(), "the adopted task is kept");
    assertFalse(reported("t2", TaskState.TASK_STARTING));

    runtime.setDown(false);
    Await.until(WAIT, () -> health.snapshot().healthy(), "runtime healthy again");
    Await.until(WAIT, () -> reported("t2", TaskState.TASK_RUNNING), "t2 started after the outage");
    assertEquals(1, runtime.containersOf("adopted").size());
    assertEquals(0, runtime.count("remove"));
  }
}
