package io.berth.coordinator.leader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.coordinator.scheduler.IdGenerator;
import io.berth.coordinator.scheduler.Scheduler;
import io.berth.coordinator.state.JobKey;
import io.berth.coordinator.state.RaftClusterStore;
import io.berth.coordinator.state.StoreConfig;
import io.berth.proto.GroupSpec;
import io.berth.proto.JobRecord;
import io.berth.proto.JobSpec;
import io.berth.proto.JobState;
import io.berth.proto.MemberRecord;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * When the leader evaluates jobs: all of them on a change to nodes or jobs; between changes only
 * those whose last plan asked for a recheck, when it is due; never for a member record alone.
 */
class EvaluationLoopTest {
  @TempDir Path dataDir;

  @Test
  void aSteadyJobIsNotEvaluatedAgainUntilTheStateChanges() throws Exception {
    JobKey web = new JobKey("default", "web");
    try (RaftClusterStore store = RaftClusterStore.start(
        StoreConfig.single("c1", "127.0.0.1", freePort(), dataDir), Duration.ofSeconds(60))) {
      // No nodes: every evaluation of the job finds nowhere to place it, and writes nothing.
      store.updateJob(web, old -> JobState.newBuilder().setJob(JobRecord.newBuilder().setVersion(1)
          .setSpec(JobSpec.newBuilder().setName("web").setNamespace("default")
              .addGroups(GroupSpec.newBuilder().setName("a").setCount(1).setImage("i")))).build());
      EvaluationLoop loop = new EvaluationLoop(store, new Scheduler(IdGenerator.random()), Clock.systemUTC(), () -> true);
      Thread t = new Thread(loop, "evaluations");
      t.setDaemon(true);
      t.start();
      try {
        awaitAtLeast(() -> loop.evaluations(web), 1, "the first evaluation");

        // Member records for at least three ticks: the job's plan needs no recheck (nothing to
        // place it on until a node comes), so it is not evaluated again.
        long before = loop.evaluations(web);
        long t0 = System.nanoTime();
        for (int i = 0; System.nanoTime() - t0 < Duration.ofMillis(3200).toNanos(); i++) {
          long v = store.putMember(MemberRecord.newBuilder().setId("c1").setRefreshedSeq(i).build());
          loop.onChange(store.awaitVersion(v, Duration.ofSeconds(10)));
        }
        assertEquals(before, loop.evaluations(web), "evaluations of a steady job during 3.2 s of member records");

        long v = store.updateJob(web, old -> old.toBuilder()
            .setJob(old.getJob().toBuilder().setVersion(2)).build()).version();
        loop.onChange(store.awaitVersion(v, Duration.ofSeconds(10)));
        awaitAtLeast(() -> loop.evaluations(web), before + 1, "an evaluation after the job changed");
      } finally {
        loop.stop();
        t.join(5000);
      }
    }
  }

  @Test
  void aJobWhosePlanAsksForARecheckIsEvaluatedWhenItIsDue() throws Exception {
    JobKey web = new JobKey("default", "web");
    JobKey tick = new JobKey("default", "tick");
    try (RaftClusterStore store = RaftClusterStore.start(
        StoreConfig.single("c1", "127.0.0.1", freePort(), dataDir), Duration.ofSeconds(60))) {
      store.updateJob(web, old -> JobState.newBuilder().setJob(JobRecord.newBuilder().setVersion(1)
          .setSpec(JobSpec.newBuilder().setName("web").setNamespace("default")
              .addGroups(GroupSpec.newBuilder().setName("a").setCount(1).setImage("i")))).build());
      // Fires every second: each plan asks to be rechecked at the next firing. With no nodes it
      // never starts a run, so nothing is written and the state stays as it is.
      store.updateJob(tick, old -> JobState.newBuilder().setJob(JobRecord.newBuilder().setVersion(1)
          .setSpec(JobSpec.newBuilder().setName("tick").setNamespace("default").setType("cron")
              .setSchedule("R/2026-01-01T00:00:00Z/PT1S")
              .addGroups(GroupSpec.newBuilder().setName("a").setCount(1).setImage("i")))).build());
      EvaluationLoop loop = new EvaluationLoop(store, new Scheduler(IdGenerator.random()), Clock.systemUTC(), () -> true);
      Thread t = new Thread(loop, "evaluations");
      t.setDaemon(true);
      t.start();
      try {
        awaitAtLeast(() -> loop.evaluations(web), 1, "the first evaluation of the service");
        long webBefore = loop.evaluations(web);
        long tickBefore = loop.evaluations(tick);
        awaitAtLeast(() -> loop.evaluations(tick), tickBefore + 3, "three rechecks of the cron job");
        assertEquals(webBefore, loop.evaluations(web), "the service was evaluated again with nothing changed");
      } finally {
        loop.stop();
        t.join(5000);
      }
    }
  }

  private static void awaitAtLeast(java.util.function.LongSupplier n, long atLeast, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (n.getAsLong() < atLeast) {
      assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
      Thread.sleep(10);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
