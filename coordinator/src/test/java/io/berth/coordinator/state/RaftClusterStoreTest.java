package io.berth.coordinator.state;

import io.berth.coordinator.testing.FreePort;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.proto.ClusterMeta;
import io.berth.proto.JobRecord;
import io.berth.proto.JobSpec;
import io.berth.proto.JobState;
import io.berth.proto.NodeFacts;
import io.berth.proto.NodeRecord;
import io.berth.proto.NodeStatus;
import io.berth.proto.TaskRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real one-member Raft group on disk: writes reach the local view, survive restarts and compaction. */
class RaftClusterStoreTest {

  @TempDir Path dataDir;

  private static JobState job(String name, long version, int tasks) {
    JobState.Builder b = JobState.newBuilder()
        .setJob(JobRecord.newBuilder().setVersion(version).setSpec(JobSpec.newBuilder().setName(name)));
    for (int i = 0; i < tasks; i++) {
      b.addTasks(TaskRecord.newBuilder().setId(name + "-" + version + "-" + i).setNode("n1"));
    }
    return b.build();
  }

  @Test
  void writesAreAppliedLocallyAndSurviveARestart() throws IOException {
    StoreConfig config = StoreConfig.single("c1", "127.0.0.1", FreePort.any(), dataDir);
    JobKey key = new JobKey("default", "web");
    long jobVersion;
    try (RaftClusterStore store = RaftClusterStore.start(config, Duration.ofSeconds(60))) {
      ClusterMeta meta = store.initMeta(ClusterMeta.newBuilder().setClusterId("x").setZone("berth.").build());
      assertEquals("x", meta.getClusterId());
      // a second init keeps the first identity
      assertEquals("x", store.initMeta(ClusterMeta.newBuilder().setClusterId("y").build()).getClusterId());

      long nodeVersion = store.putNode(node("n1"));
      ClusterStore.JobWrite w = store.updateJob(key, old -> job("web", 1, 3));
      assertTrue(w.written());
      assertTrue(w.version() > nodeVersion, "versions grow with every write");
      ClusterSnapshot seen = store.awaitVersion(w.version(), Duration.ofSeconds(10));
      assertEquals(3, seen.job(key).orElseThrow().getTasksCount());
      assertEquals("10.0.0.1", seen.node("n1").orElseThrow().getFacts().getAddress());

      // a no-op change writes nothing
      assertFalse(store.updateJob(key, old -> old).written());
      // a change computed on the latest state applies on top of it
      ClusterStore.JobWrite w2 = store.updateJob(key, old -> old.toBuilder().setJob(old.getJob().toBuilder().setVersion(2)).build());
      assertEquals(2, store.awaitVersion(w2.version(), Duration.ofSeconds(10)).job(key).orElseThrow().getJob().getVersion());
      jobVersion = w2.version();
    }
    try (RaftClusterStore store = RaftClusterStore.start(config, Duration.ofSeconds(60))) {
      ClusterSnapshot after = store.awaitVersion(jobVersion, Duration.ofSeconds(30));
      assertEquals(2, after.job(key).orElseThrow().getJob().getVersion(), "acknowledged job survives a restart");
      assertEquals("x", store.meta().orElseThrow().getClusterId());
    }
  }

  @Test
  void severalJobsChangeInOneWrite() throws IOException {
    StoreConfig config = StoreConfig.single("c1", "127.0.0.1", FreePort.any(), dataDir);
    try (RaftClusterStore store = RaftClusterStore.start(config, Duration.ofSeconds(60))) {
      Map<JobKey, UnaryOperator<JobState>> changes = new LinkedHashMap<>();
      for (int i = 0; i < 5; i++) {
        String name = "j" + i;
        changes.put(new JobKey("default", name), old -> job(name, 1, 10));
      }
      long v = store.updateJobs(changes);
      ClusterSnapshot s = store.awaitVersion(v, Duration.ofSeconds(10));
      assertEquals(5, s.jobs().size());
      assertEquals(50, s.allTasks().size());
      // one log entry: every job carries the same modification index
      for (JobKey k : changes.keySet()) {
        assertEquals(v, s.indexOf(StateKeys.job(k)));
      }
      assertEquals(-1, store.updateJobs(Map.of(new JobKey("default", "j0"), old -> old)), "all no-ops: no write");
    }
  }

  @Test
  void aFencedWriteFailsOnceANewerEpochIsClaimed() throws IOException {
    StoreConfig config = StoreConfig.single("c1", "127.0.0.1", FreePort.any(), dataDir);
    try (RaftClusterStore store = RaftClusterStore.start(config, Duration.ofSeconds(60))) {
      assertTrue(store.claimLeadership("c1", 5) > 0);
      JobKey key = new JobKey("default", "web");
      ClusterStore asLeader = store.fencedAt(5);
      assertTrue(asLeader.updateJob(key, old -> job("web", 1, 1)).written());

      long v = store.claimLeadership("c2", 6);
      assertTrue(v > 0);
      assertEquals(-1, store.claimLeadership("c1", 5), "an older claim does not win leadership back");
      assertEquals("c2", store.awaitVersion(v, Duration.ofSeconds(10)).leader().orElseThrow().getMember());
      assertThrows(ClusterStore.FencedOutException.class, () -> asLeader.updateJob(key, old -> job("web", 2, 1)));
      assertEquals(1, store.snapshot().job(key).orElseThrow().getJob().getVersion(), "the stale write left no trace");
      assertTrue(store.fencedAt(6).updateJob(key, old -> job("web", 2, 1)).written());
    }
  }

  @Test
  void aCompactedLogRestartsFromTheSnapshotPlusTheLogAfterIt() throws IOException {
    int segment = 1024 * 1024; // each write is ~40 KB: 60 of them span a few segments
    StoreConfig config = StoreConfig.single("c1", "127.0.0.1", FreePort.any(), dataDir).withSegmentBytes(segment);
    JobKey big = new JobKey("default", "big");
    long last;
    try (RaftClusterStore store = RaftClusterStore.start(config, Duration.ofSeconds(60))) {
      store.claimLeadership("c1", 3);
      // Enough data to fill more than one log segment, so compaction can drop some.
      for (int v = 1; v <= 60; v++) {
        long version = v;
        store.updateJob(big, old -> job("big", version, 2000));
      }
      store.compact();
      last = store.updateJob(new JobKey("default", "after"), old -> job("after", 1, 1)).version();
    }
    assertTrue(snapshotFiles(dataDir) > 0, "a snapshot was written to disk");
    long logBytes = logBytes(dataDir);
    assertTrue(logBytes > 0 && logBytes < 3L * segment, "compaction dropped the segments behind the snapshot: " + logBytes);
    try (RaftClusterStore store = RaftClusterStore.start(config, Duration.ofSeconds(60))) {
      ClusterSnapshot s = store.awaitVersion(last, Duration.ofSeconds(30));
      assertEquals(60, s.job(big).orElseThrow().getJob().getVersion());
      assertEquals(2000, s.job(big).orElseThrow().getTasksCount());
      assertTrue(s.job(new JobKey("default", "after")).isPresent(), "the write after the snapshot is replayed");
      assertEquals(3, s.leader().orElseThrow().getEpoch());
      assertThrows(ClusterStore.FencedOutException.class,
          () -> store.fencedAt(2).updateJob(big, old -> job("big", 61, 1)), "fencing survives the restore");
    }
  }

  @Test
  void everyLogEntryIsIndexedSoAReaderResetReadsOneEntry() throws IOException {
    StoreConfig config = StoreConfig.single("c1", "127.0.0.1", FreePort.any(), dataDir);
    try (RaftClusterStore store = RaftClusterStore.start(config, Duration.ofSeconds(60))) {
      // More entries than Atomix's own index step (one position per 200 entries).
      for (int i = 0; i < 250; i++) {
        store.putNode(node("n" + i));
      }
      assertEveryEntryIndexed(store, 1);
    }
    try (RaftClusterStore store = RaftClusterStore.start(config, Duration.ofSeconds(60))) {
      long firstAfterRestart = store.raftCommitIndex() + 1;
      for (int i = 0; i < 250; i++) {
        store.putNode(node("m" + i));
      }
      assertEveryEntryIndexed(store, firstAfterRestart);
    }
  }

  /** A ready node at 10.0.0.1. */
  private static NodeRecord node(String name) {
    return NodeRecord.newBuilder().setFacts(NodeFacts.newBuilder().setName(name).setAddress("10.0.0.1"))
        .setStatus(NodeStatus.NODE_READY).build();
  }

  private static void assertEveryEntryIndexed(RaftClusterStore store, long from) {
    long commit = store.raftCommitIndex();
    assertTrue(commit - from + 1 >= 250, "the 250 writes reached the log: entries " + from + " to " + commit);
    for (long i = from; i <= commit; i++) {
      assertEquals(Optional.of(i), store.logPositionKeptAtOrBefore(i), "position of log entry " + i);
    }
  }

  private static long snapshotFiles(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(p -> p.getFileName().toString().endsWith(".snapshot")).count();
    }
  }

  private static long logBytes(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(p -> p.getFileName().toString().endsWith(".log")).mapToLong(p -> p.toFile().length()).sum();
    }
  }

}
