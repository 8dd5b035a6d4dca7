package io.berth.coordinator.leader;

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
import java.time.Instant;
import java.time.ZoneId;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** When the leader evaluates jobs: on changes to nodes or jobs, and on its tick; not on every member record. */
class EvaluationLoopTest {
  @TempDir Path dataDir;

  /** Counts the loop's reads of the time: one per job evaluated. */
  private static final class CountingClock extends Clock {
    final AtomicInteger reads = new AtomicInteger();

    @Override
    public ZoneId getZone() {
      return ZoneId.of("UTC");
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      reads.incrementAndGet();
      return Instant.now();
    }

    @Override
    public long millis() {
      reads.incrementAndGet();
      return System.currentTimeMillis();
    }
  }

  @Test
  void memberRecordsAloneWaitForTheTickWhileAJobChangeIsEvaluatedAtOnce() throws Exception {
    JobKey web = new JobKey("default", "web");
    try (RaftClusterStore store = RaftClusterStore.start(
        StoreConfig.single("c1", "127.0.0.1", freePort(), dataDir), Duration.ofSeconds(60))) {
      // No nodes: every evaluation of the job finds nowhere to place it, and writes nothing.
      store.updateJob(web, old -> JobState.newBuilder().setJob(JobRecord.newBuilder().setVersion(1)
          .setSpec(JobSpec.newBuilder().setName("web").setNamespace("default")
              .addGroups(GroupSpec.newBuilder().setName("a").setCount(1).setImage("i")))).build());
      CountingClock clock = new CountingClock();
      EvaluationLoop loop = new EvaluationLoop(store, new Scheduler(IdGenerator.random()), clock, () -> true);
      Thread t = new Thread(loop, "evaluations");
      t.setDaemon(true);
      t.start();
      try {
        awaitAtLeast(clock.reads, 1, "the first evaluation");

        int before = clock.reads.get();
        long t0 = System.nanoTime();
        for (int i = 0; i < 100; i++) {
          long v = store.putMember(MemberRecord.newBuilder().setId("c1").setRefreshedSeq(i).build());
          loop.onChange(store.awaitVersion(v, Duration.ofSeconds(10)));
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        int during = clock.reads.get() - before;
        // One evaluation per tick (1 s) at most, plus one that may have been under way: not 100.
        assertTrue(during <= 2 + (int) seconds, during + " evaluations during 100 member records in "
            + seconds + " s");

        int beforeJob = clock.reads.get();
        long v = store.updateJob(web, old -> old.toBuilder()
            .setJob(old.getJob().toBuilder().setVersion(2)).build()).version();
        loop.onChange(store.awaitVersion(v, Duration.ofSeconds(10)));
        awaitAtLeast(clock.reads, beforeJob + 1, "an evaluation after the job changed");
      } finally {
        loop.stop();
        t.join(5000);
      }
    }
  }

  private static void awaitAtLeast(AtomicInteger n, int atLeast, String what) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (n.get() < atLeast) {
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
