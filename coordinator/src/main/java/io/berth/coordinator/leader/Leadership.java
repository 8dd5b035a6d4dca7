package io.berth.coordinator.leader;

import io.berth.coordinator.state.ClusterStore;
import io.berth.proto.LeaderLease;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides which coordinator runs the leader-only loops, with a lease in the replicated state.
 * The holder renews it every tick; it acts only while its last renewal is younger than 3/4 of
 * the lease. Others take it over when they have seen it stand still for a whole lease, measured
 * on their own clock from when they saw it move, so the old holder has stopped acting by then:
 * there is no moment with two leaders, and no clocks of two machines are compared.
 */
public final class Leadership {
  private static final Logger LOG = LoggerFactory.getLogger(Leadership.class);

  /** Told when this member starts or stops being the leader; called on the leadership thread. */
  public interface Listener {
    void onLeader(long epoch);

    void onFollower();
  }

  private final ClusterStore store;
  private final String self;
  private final long leaseNanos;
  private final Listener listener;
  private volatile long validUntilNanos;
  private volatile boolean leader;
  private LeaderLease lastSeen;
  private long lastMovedNanos = System.nanoTime();

  public Leadership(ClusterStore store, String self, Duration lease, Listener listener) {
    this.store = store;
    this.self = self;
    this.leaseNanos = lease.toNanos();
    this.listener = listener;
  }

  /** True while this member may act as leader. */
  public boolean isLeader() {
    return leader && System.nanoTime() < validUntilNanos;
  }

  /** One step: renew, or watch, or take over. Call it about four times per lease. */
  public void tick() {
    long start = System.nanoTime();
    Optional<LeaderLease> current = store.snapshot().leaderLease();
    if (leader) {
      renew(current.orElse(null), start);
      return;
    }
    if (current.isEmpty()) {
      acquire(null, LeaderLease.newBuilder().setMember(self).setEpoch(1).build(), start);
      return;
    }
    LeaderLease lease = current.get();
    if (!lease.equals(lastSeen)) {
      lastSeen = lease;
      lastMovedNanos = start;
      return;
    }
    if (start - lastMovedNanos > leaseNanos) {
      LOG.info("leader lease of {} (epoch {}) stood still for {} ms: taking over", lease.getMember(),
          lease.getEpoch(), (start - lastMovedNanos) / 1_000_000);
      acquire(lease, LeaderLease.newBuilder().setMember(self).setEpoch(lease.getEpoch() + 1).build(), start);
    }
  }

  private void acquire(LeaderLease expected, LeaderLease next, long start) {
    if (tryCas(expected, next)) {
      validUntilNanos = start + leaseNanos * 3 / 4;
      leader = true;
      lastSeen = next;
      LOG.info("this coordinator ({}) is the leader, epoch {}", self, next.getEpoch());
      listener.onLeader(next.getEpoch());
    }
  }

  /**
   * Renews against the lease this member last wrote, not the local view (which may trail under
   * load): while it holds the lease nobody else writes it, so that value is the stored one.
   */
  private void renew(LeaderLease viewed, long start) {
    LeaderLease mine = lastSeen;
    if (mine != null && mine.getMember().equals(self)) {
      LeaderLease next = mine.toBuilder().setRenewal(mine.getRenewal() + 1).build();
      if (tryCas(mine, next)) {
        validUntilNanos = start + leaseNanos * 3 / 4;
        lastSeen = next;
        return;
      }
    }
    boolean takenByOther = viewed != null && !viewed.getMember().equals(self);
    if (takenByOther || !isLeader()) {
      stepDown(takenByOther ? "lease taken by " + viewed.getMember() : "could not renew the lease in time");
    }
  }

  private boolean tryCas(LeaderLease expected, LeaderLease next) {
    try {
      return store.compareAndSetLease(expected, next);
    } catch (RuntimeException e) {
      LOG.debug("lease write failed: {}", e.toString());
      return false;
    }
  }

  private void stepDown(String why) {
    if (leader) {
      leader = false;
      lastMovedNanos = System.nanoTime();
      LOG.info("this coordinator ({}) is no longer the leader: {}", self, why);
      listener.onFollower();
    }
  }

  /** Gives up leadership at shutdown (the lease then expires for the others). */
  public void resign() {
    stepDown("shutting down");
  }
}
