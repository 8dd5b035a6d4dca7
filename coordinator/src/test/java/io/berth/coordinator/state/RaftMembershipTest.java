package io.berth.coordinator.state;

import io.berth.coordinator.testing.FreePort;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.coordinator.testing.Await;
import io.berth.proto.ClusterMeta;
import io.berth.proto.JobRecord;
import io.berth.proto.JobSpec;
import io.berth.proto.JobState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real Raft members on loopback: a group grows from 1 to 3 by joins, loses a dead member by removal,
 * refuses it back, grows to 5 and keeps committing with two of the five down.
 */
class RaftMembershipTest {
  static final Duration START = Duration.ofSeconds(90);

  @TempDir Path dir;
  final List<RaftClusterStore> open = new ArrayList<>();

  @AfterEach
  void close() {
    open.forEach(RaftClusterStore::close);
  }

  private RaftClusterStore start(StoreConfig config) {
    RaftClusterStore s = RaftClusterStore.start(config, START);
    open.add(s);
    return s;
  }

  private static StoreConfig member(String id, int port, Path dataDir, List<String> others) {
    return new StoreConfig(id, "127.0.0.1", port, dataDir, others, StoreConfig.Timings.defaults()).joining();
  }

  private static long writeJob(ClusterStore store, String name) {
    return store.updateJob(new JobKey("default", name), old -> JobState.newBuilder()
        .setJob(JobRecord.newBuilder().setVersion(1).setSpec(JobSpec.newBuilder().setName(name))).build()).version();
  }

  @Test
  void aGroupGrowsByJoinsAndADeadMemberIsReplaced() throws Exception {
    int p1 = FreePort.any();
    int p2 = FreePort.any();
    int p3 = FreePort.any();
    int p4 = FreePort.any();
    RaftClusterStore c1 = start(StoreConfig.single("c1", "127.0.0.1", p1, dir.resolve("c1")));
    c1.initMeta(ClusterMeta.newBuilder().setClusterId("x").setZone("berth.").build());
    long before = writeJob(c1, "before");

    RaftClusterStore c2 = start(member("c2", p2, dir.resolve("c2"), List.of("c1@127.0.0.1:" + p1)));
    RaftClusterStore c3 = start(member("c3", p3, dir.resolve("c3"), List.of("c1@127.0.0.1:" + p1, "c2@127.0.0.1:" + p2)));
    Await.until("three voters, as every member sees them", Duration.ofSeconds(30), () -> List.of(c1, c2, c3).stream()
        .allMatch(s -> s.membership().members().equals(List.of("c1", "c2", "c3")) && s.membership().joining().isEmpty()));
    assertEquals("127.0.0.1:" + p3, c1.membership().raftAddresses().get("c3"));
    // The joiners got the log from before they joined, and a write through one reaches all.
    c3.awaitVersion(before, Duration.ofSeconds(30));
    long through3 = writeJob(c3, "through-c3");
    c1.awaitVersion(through3, Duration.ofSeconds(30));
    assertTrue(c1.snapshot().job(new JobKey("default", "through-c3")).isPresent());

    // c3 is marked removed while it is up: it sees the mark (and a coordinator would stop). Then it
    // dies, is removed through a survivor, and a new member takes its place.
    c2.updateMeta(m -> m.toBuilder().addRemovedMembers("c3").build());
    Await.until("c3 sees itself removed", Duration.ofSeconds(30), () -> c3.removedSinceStart("c3"));
    c3.close();
    c2.removeFromRaft("c3", Duration.ofSeconds(30));
    Await.until("c3 out of every survivor's configuration", Duration.ofSeconds(30), () -> List.of(c1, c2).stream()
        .allMatch(s -> s.membership().members().equals(List.of("c1", "c2"))));
    RaftClusterStore c4 = start(member("c4", p4, dir.resolve("c4"), List.of("c1@127.0.0.1:" + p1, "c2@127.0.0.1:" + p2)));
    Await.until("c4 a voter", Duration.ofSeconds(30), () -> c1.membership().members().equals(List.of("c1", "c2", "c4"))
        && c1.membership().joining().isEmpty());
    long after = writeJob(c4, "after");
    c1.awaitVersion(after, Duration.ofSeconds(30));
    assertEquals(Set.of("before", "through-c3", "after"), Set.copyOf(c1.snapshot().jobs().keySet().stream()
        .map(JobKey::name).toList()));

    // The removed member restarted on its old data dir is refused, with why, instead of adding itself back.
    var refused = assertThrows(IllegalStateException.class, () -> RaftClusterStore.start(
        member("c3", p3, dir.resolve("c3"), List.of("c1@127.0.0.1:" + p1, "c2@127.0.0.1:" + p2)), START));
    assertTrue(refused.getMessage().contains("removed from the cluster"), refused.getMessage());
    assertEquals(List.of("c1", "c2", "c4"), c1.membership().members());

    // Readmitted (a token join clears the mark), a new c3 on an empty data dir joins: the old mark it
    // replays from the log is from before it entered the configuration, so it does not count.
    c1.updateMeta(m -> m.toBuilder().clearRemovedMembers().build());
    // Every member judges a join by its own replica: wait until each has applied the cleared mark
    // (ClusterJoins' token join has the same gap: noted for planning).
    Await.until("every member sees the mark cleared", Duration.ofSeconds(30), () -> List.of(c1, c2, c4).stream()
        .allMatch(s -> s.meta().map(m -> m.getRemovedMembersCount() == 0).orElse(false)));
    RaftClusterStore again = start(member("c3", p3, dir.resolve("c3-again"),
        List.of("c1@127.0.0.1:" + p1, "c2@127.0.0.1:" + p2, "c4@127.0.0.1:" + p4)));
    java.util.concurrent.atomic.AtomicBoolean sawRemoved = new java.util.concurrent.atomic.AtomicBoolean();
    again.addListener(snapshot -> sawRemoved.compareAndSet(false, again.removedSinceStart("c3")));
    Await.until("the new c3 a voter", Duration.ofSeconds(30), () -> c1.membership().members().equals(
        List.of("c1", "c2", "c3", "c4")) && c1.membership().joining().isEmpty());
    again.awaitVersion(writeJob(c1, "after-readmit"), Duration.ofSeconds(30));
    assertTrue(!again.removedSinceStart("c3") && !sawRemoved.get(), "an old mark does not remove the new member");

    // Five voters with one more join; then two of the five die (a minority) and writes still commit.
    int p5 = FreePort.any();
    RaftClusterStore c5 = start(member("c5", p5, dir.resolve("c5"), List.of("c1@127.0.0.1:" + p1,
        "c2@127.0.0.1:" + p2, "c3@127.0.0.1:" + p3, "c4@127.0.0.1:" + p4)));
    Await.until("five voters", Duration.ofSeconds(30), () -> c1.membership().members().equals(
        List.of("c1", "c2", "c3", "c4", "c5")) && c1.membership().joining().isEmpty());
    c4.close();
    again.close();
    long withTwoDown = Await.until("a write with two of five members down", Duration.ofSeconds(60), () -> {
      try {
        return writeJob(c5, "two-of-five-down");
      } catch (ClusterStore.StoreUnavailableException e) {
        return -1L; // an election may be under way
      }
    }, v -> v > 0);
    c2.awaitVersion(withTwoDown, Duration.ofSeconds(30));
    assertTrue(c2.snapshot().job(new JobKey("default", "two-of-five-down")).isPresent());
  }

  @Test
  void theLastMemberCannotBeRemovedAndAnUnknownOneIsANoOp() throws Exception {
    RaftClusterStore c1 = start(StoreConfig.single("c1", "127.0.0.1", FreePort.any(), dir.resolve("c1")));
    c1.initMeta(ClusterMeta.newBuilder().setClusterId("x").build());
    c1.removeFromRaft("nobody", Duration.ofSeconds(5));
    var e = assertThrows(IllegalArgumentException.class, () -> c1.removeFromRaft("c1", Duration.ofSeconds(5)));
    assertTrue(e.getMessage().contains("last voting member"), e.getMessage());
    assertEquals(List.of("c1"), c1.membership().members());
    writeJob(c1, "still-writable");
  }
}
