package io.berth.coordinator.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.proto.ClusterMeta;
import io.berth.proto.JobRecord;
import io.berth.proto.JobSpec;
import io.berth.proto.JobState;
import io.berth.proto.NodeFacts;
import io.berth.proto.NodeRecord;
import io.berth.proto.NodeStatus;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real one-member Raft group on disk: writes are visible locally and survive a restart. */
class AtomixClusterStoreTest {

  @TempDir Path dataDir;

  @Test
  void writesAreWatchedLocallyAndSurviveRestart() throws IOException {
    int port = freePort();
    StoreConfig config = StoreConfig.single("c1", "127.0.0.1", port, dataDir);
    JobKey key = new JobKey("default", "web");
    long jobVersion;
    try (AtomixClusterStore store = AtomixClusterStore.start(config, Duration.ofSeconds(60))) {
      ClusterMeta meta = store.initMeta(ClusterMeta.newBuilder().setClusterId("x").setZone("berth.").build());
      assertEquals("x", meta.getClusterId());
      // a second init keeps the first identity
      assertEquals("x", store.initMeta(ClusterMeta.newBuilder().setClusterId("y").build()).getClusterId());

      long nodeVersion =
          store.putNode(
              NodeRecord.newBuilder()
                  .setFacts(NodeFacts.newBuilder().setName("n1").setAddress("10.0.0.1"))
                  .setStatus(NodeStatus.NODE_READY)
                  .build());
      ClusterStore.JobWrite w =
          store.updateJob(
              key,
              old ->
                  JobState.newBuilder()
                      .setJob(JobRecord.newBuilder().setVersion(1).setSpec(JobSpec.newBuilder().setName("web")))
                      .build());
      assertTrue(w.written());
      assertTrue(w.version() > nodeVersion, "versions grow with every write");
      ClusterSnapshot seen = store.awaitVersion(w.version(), Duration.ofSeconds(10));
      assertEquals(1, seen.job(key).orElseThrow().getJob().getVersion());
      assertEquals("10.0.0.1", seen.node("n1").orElseThrow().getFacts().getAddress());

      // a no-op change writes nothing
      ClusterStore.JobWrite same = store.updateJob(key, old -> old);
      assertFalse(same.written());
      jobVersion = w.version();
    }
    try (AtomixClusterStore store = AtomixClusterStore.start(config, Duration.ofSeconds(60))) {
      ClusterSnapshot after = store.awaitVersion(jobVersion, Duration.ofSeconds(30));
      assertTrue(after.job(key).isPresent(), "acknowledged job survives a restart");
      assertEquals("x", store.meta().orElseThrow().getClusterId());
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
