package io.berth.coordinator.leader;

import io.berth.coordinator.state.ClusterStore;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Coordinator leadership follows Raft leadership. When this member's Raft server becomes leader
 * at term T it claims leadership with epoch T in the replicated state; once the claim is applied
 * here it starts the leader-only loops, whose writes are stamped with T. The state machine keeps
 * the highest claim and rejects writes stamped with any other epoch, so a deposed leader that has
 * not heard the news yet cannot change the state: no two members act on the same state.
 */
public final class Leadership implements ClusterStore.RaftRoleListener {
  private static final Logger LOG = LoggerFactory.getLogger(Leadership.class);
  private static final long RETRY_MILLIS = 50;

  /** Told when this member starts or stops being the leader; called on the leadership thread. */
  public interface Listener {
    void onLeader(long epoch);

    void onFollower();
  }

  private final ClusterStore store;
  private final String self;
  private final Listener listener;
  private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "berth-leadership");
    t.setDaemon(true);
    return t;
  });
  private volatile long raftTerm; // the term this member's Raft server leads, 0 when it does not
  private volatile long epoch;    // the epoch this member acts under, 0 when it does not

  public Leadership(ClusterStore store, String self, Listener listener) {
    this.store = store;
    this.self = self;
    this.listener = listener;
  }

  /** True while this member may act as leader (its writes are fenced in any case). */
  public boolean isLeader() {
    long e = epoch;
    return e > 0 && e == raftTerm;
  }

  /** The epoch this member leads under, 0 when it is not the leader. */
  public long epoch() {
    return isLeader() ? epoch : 0;
  }

  @Override
  public void onRaftLeader(long term) {
    raftTerm = term;
    run(() -> claim(term));
  }

  @Override
  public void onRaftFollower() {
    raftTerm = 0;
    run(() -> stepDown("its Raft server is no longer the leader"));
  }

  private void run(Runnable step) {
    try {
      thread.execute(step);
    } catch (RejectedExecutionException e) {
      // resigned: shutting down, nothing more to lead
    }
  }

  /** Claims the term; retried while this member still leads it (the first write may race the election). */
  private void claim(long term) {
    while (raftTerm == term) {
      try {
        long version = store.claimLeadership(self, term);
        if (version < 0) {
          LOG.info("leadership claim of {} at epoch {} refused: a newer one exists", self, term);
          return;
        }
        store.awaitVersion(version, ClusterStore.defaultTimeout());
        if (raftTerm != term) {
          return;
        }
        epoch = term;
        LOG.info("this coordinator ({}) is the leader, epoch {}", self, term);
        listener.onLeader(term);
        return;
      } catch (ClusterStore.StoreUnavailableException e) {
        LOG.debug("leadership claim at epoch {} not written yet: {}", term, e.getMessage());
        sleep();
      }
    }
  }

  private void stepDown(String why) {
    if (epoch > 0) {
      epoch = 0;
      LOG.info("this coordinator ({}) is no longer the leader: {}", self, why);
      listener.onFollower();
    }
  }

  private static void sleep() {
    try {
      Thread.sleep(RETRY_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Gives up leadership at shutdown (Raft elects another member once this one stops). */
  public void resign() {
    raftTerm = 0;
    try {
      thread.submit(() -> stepDown("shutting down")).get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warn("leader loops did not stop cleanly: {}", e.toString());
    }
    thread.shutdownNow();
  }
}
