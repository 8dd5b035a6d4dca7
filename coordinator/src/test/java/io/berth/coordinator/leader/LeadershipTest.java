package io.berth.coordinator.leader;

import io.berth.coordinator.testing.FreePort;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.coordinator.state.ClusterStore;
import io.berth.coordinator.state.JobKey;
import io.berth.coordinator.state.RaftClusterStore;
import io.berth.coordinator.state.StoreConfig;
import io.berth.proto.JobRecord;
import io.berth.proto.JobState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Leadership over a real one-member Raft group: it follows Raft leadership and its writes are fenced. */
class LeadershipTest {

  @TempDir Path dataDir;

  static final class Recorder implements Leadership.Listener {
    final BlockingQueue<String> events = new LinkedBlockingQueue<>();

    @Override
    public void onLeader(long epoch) {
      events.add("leader " + epoch);
    }

    @Override
    public void onFollower() {
      events.add("follower");
    }
  }

  @Test
  void theRaftLeaderClaimsItsTermAndADeposedLeadersWritesAreRefused() throws Exception {
    StoreConfig config = StoreConfig.single("c1", "127.0.0.1", FreePort.any(), dataDir);
    try (RaftClusterStore store = RaftClusterStore.start(config, Duration.ofSeconds(60))) {
      Recorder recorder = new Recorder();
      Leadership leadership = new Leadership(store, "c1", recorder);
      store.addRaftRoleListener(leadership);

      long term = store.membership().term();
      assertTrue(term > 0, "a one-member group elects itself");
      assertEquals("leader " + term, recorder.events.poll(30, TimeUnit.SECONDS));
      assertTrue(leadership.isLeader());
      assertEquals(term, leadership.epoch());
      assertEquals("c1", store.snapshot().leader().orElseThrow().getMember());
      assertEquals(term, store.snapshot().leader().orElseThrow().getEpoch());

      JobKey key = new JobKey("default", "web");
      ClusterStore asLeader = store.fencedAt(leadership.epoch());
      ClusterStore.JobWrite first = asLeader.updateJob(key, old -> job(1));
      assertTrue(first.written());

      // Another member claims a later term (as a new Raft leader would): this one's writes stop applying.
      assertTrue(store.claimLeadership("c2", term + 1) > 0);
      assertThrows(ClusterStore.FencedOutException.class, () -> asLeader.updateJob(key, old -> job(2)));
      // Writes are acknowledged at commit; the local view applies them on its own thread.
      assertEquals(1, store.awaitVersion(first.version(), Duration.ofSeconds(10))
          .job(key).orElseThrow().getJob().getVersion());

      leadership.resign();
      assertEquals("follower", recorder.events.poll(10, TimeUnit.SECONDS));
      assertFalse(leadership.isLeader());
    }
  }

  private static JobState job(long version) {
    return JobState.newBuilder().setJob(JobRecord.newBuilder().setVersion(version)).build();
  }

}
