package io.berth.coordinator.leader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.coordinator.state.ClusterSnapshot;
import io.berth.coordinator.state.ClusterStore;
import io.berth.coordinator.state.JobKey;
import io.berth.proto.ClusterMeta;
import io.berth.proto.JobState;
import io.berth.proto.LeaderLease;
import io.berth.proto.MemberRecord;
import io.berth.proto.NodeRecord;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** The lease protocol over a store whose lease can be read late by followers (a lagging view). */
class LeadershipTest {

  /** Only the lease matters here; the view is set by hand to model replication lag. */
  static final class LeaseStore implements ClusterStore {
    final AtomicReference<LeaderLease> stored = new AtomicReference<>();
    volatile LeaderLease viewed;
    volatile boolean available = true;

    @Override
    public ClusterSnapshot snapshot() {
      return new ClusterSnapshot(1, Map.of(), Map.of(), Map.of(), viewed);
    }

    @Override
    public synchronized boolean compareAndSetLease(LeaderLease expected, LeaderLease next) {
      if (!available) {
        throw new StoreUnavailableException("no quorum", null);
      }
      if (java.util.Objects.equals(stored.get(), expected)) {
        stored.set(next);
        return true;
      }
      return false;
    }

    @Override public void addListener(Consumer<ClusterSnapshot> l) {}
    @Override public ClusterSnapshot awaitVersion(long v, Duration t) { return snapshot(); }
    @Override public Optional<ClusterMeta> meta() { return Optional.empty(); }
    @Override public ClusterMeta initMeta(ClusterMeta m) { return m; }
    @Override public long putMember(MemberRecord m) { return 0; }
    @Override public long putNode(NodeRecord n) { return 0; }
    @Override public boolean removeNode(String name) { return false; }
    @Override public ClusterMeta updateMeta(UnaryOperator<ClusterMeta> c) { return null; }
    @Override public JobWrite updateJob(JobKey k, UnaryOperator<JobState> c) { return null; }
    @Override public MembershipView membership() { return new MembershipView("a", List.of(), "", 0); }
    @Override public void close() {}
  }

  static final class Flag implements Leadership.Listener {
    volatile boolean leader;
    int changes;

    @Override public void onLeader(long epoch) { leader = true; changes++; }
    @Override public void onFollower() { leader = false; changes++; }
  }

  @Test
  void theHolderKeepsTheLeaseEvenWhenItsViewLags() {
    LeaseStore store = new LeaseStore();
    Flag a = new Flag();
    Leadership la = new Leadership(store, "a", Duration.ofSeconds(3), a);
    la.tick(); // nobody holds it: a takes it
    assertTrue(la.isLeader());
    store.viewed = null; // a's view never catches up
    for (int i = 0; i < 20; i++) {
      la.tick();
    }
    assertTrue(la.isLeader(), "renewals go against what a wrote, not its stale view");
    assertEquals(20, store.stored.get().getRenewal());
    assertEquals(1, a.changes);
  }

  @Test
  void aFollowerTakesOverOnlyAfterTheLeaseStoodStillAndTheHolderStopsActing() throws Exception {
    LeaseStore store = new LeaseStore();
    Flag a = new Flag();
    Flag b = new Flag();
    Duration lease = Duration.ofMillis(300);
    Leadership la = new Leadership(store, "a", lease, a);
    Leadership lb = new Leadership(store, "b", lease, b);
    la.tick();
    store.viewed = store.stored.get();
    lb.tick(); // b sees a's lease move
    assertFalse(lb.isLeader());

    store.available = false; // a is cut off: it can no longer renew
    long cutAt = System.nanoTime();
    while (la.isLeader()) {
      la.tick();
    }
    long aStoppedActing = System.nanoTime();
    store.available = true;
    store.viewed = store.stored.get(); // the last lease a managed to write
    while (!lb.isLeader()) {
      lb.tick();
      Thread.sleep(10);
    }
    long bLeads = System.nanoTime();
    assertTrue(aStoppedActing < bLeads, "never two leaders at once");
    assertTrue(aStoppedActing - cutAt <= lease.toNanos(), "a stops acting within its lease");
    assertEquals("b", store.stored.get().getMember());
    assertEquals(2, store.stored.get().getEpoch());
    la.tick();
    assertFalse(la.isLeader());
  }
}
