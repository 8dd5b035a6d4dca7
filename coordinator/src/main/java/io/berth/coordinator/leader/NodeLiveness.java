package io.berth.coordinator.leader;

import io.berth.coordinator.session.NodeRegistrar;
import io.berth.coordinator.session.SessionRegistry;
import io.berth.coordinator.state.ClusterSnapshot;
import io.berth.coordinator.state.ClusterStore;
import io.berth.coordinator.state.JobKey;
import io.berth.proto.JobState;
import io.berth.proto.MemberRecord;
import io.berth.proto.NodeRecord;
import io.berth.proto.NodeStatus;
import io.berth.proto.TaskRecord;
import io.berth.proto.TaskState;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leader-only: a node that no coordinator has vouched for during the TTL is down, and its tasks
 * are lost. A node is vouched for by this coordinator's own sessions, or by another coordinator
 * whose member record lists it and keeps moving. A new leader first waits one TTL (the grace
 * period) so that a failover never marks nodes down in bulk, and judges nobody while its own
 * writes are not getting through.
 */
public final class NodeLiveness {
  private static final Logger LOG = LoggerFactory.getLogger(NodeLiveness.class);
  private final ClusterStore store;
  private final SessionRegistry sessions;
  private final MemberWatch members;
  private final NodeRegistrar registrar;
  private static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(3);

  private final long ttlNanos;
  private final String self;
  private long graceSinceNanos;
  private final Map<String, Long> vouched = new HashMap<>();

  public NodeLiveness(ClusterStore store, SessionRegistry sessions, MemberWatch members, NodeRegistrar registrar,
      Duration ttl, String self) {
    this.store = store;
    this.sessions = sessions;
    this.members = members;
    this.registrar = registrar;
    this.ttlNanos = ttl.toNanos();
    this.self = self;
    this.graceSinceNanos = System.nanoTime();
  }

  /** One pass: marks overdue nodes down. */
  public void check() {
    long now = System.nanoTime();
    // While this coordinator's own record does not move, the state is not taking writes (or this
    // replica lags): nobody's record could move, so silence proves nothing. Judge nobody, and give
    // every node a fresh grace period once writes flow again.
    long ownMoved = members.lastMovedNanos(self).orElse(graceSinceNanos);
    if (now - ownMoved > STALL_NANOS) {
      graceSinceNanos = now;
      return;
    }
    ClusterSnapshot s = store.snapshot();
    for (NodeRecord n : s.nodes().values()) {
      if (n.getStatus() == NodeStatus.NODE_DOWN) {
        continue;
      }
      String name = n.getFacts().getName();
      long lastSeen = Math.max(lastVouched(s, name), graceSinceNanos);
      if (now - lastSeen > ttlNanos) {
        String reason = "not heard from for " + TimeUnit.NANOSECONDS.toSeconds(now - lastSeen) + " s";
        LOG.info("node {} is down: {}", name, reason);
        registrar.down(name, reason);
        markTasksLost(name, reason);
      }
    }
  }

  /**
   * The last time anything vouched for the node. Remembered across checks: once the agent of a
   * node is gone, no member record lists it any more, and the TTL must count from when one last
   * did, not from this leader's start.
   */
  private long lastVouched(ClusterSnapshot s, String node) {
    long best = Math.max(sessions.lastSeenNanos(node).orElse(Long.MIN_VALUE),
        members.nodeChangedNanos(node).orElse(Long.MIN_VALUE));
    for (MemberRecord m : s.members().values()) {
      if (m.getConnectedNodesList().contains(node)) {
        best = Math.max(best, members.lastMovedNanos(m.getId()).orElse(Long.MIN_VALUE));
      }
    }
    best = Math.max(best, vouched.getOrDefault(node, Long.MIN_VALUE));
    vouched.put(node, best);
    return best;
  }

  /** Its tasks' last reports no longer hold: they are lost, and get replaced elsewhere. */
  private void markTasksLost(String node, String reason) {
    for (Map.Entry<JobKey, JobState> e : store.snapshot().jobs().entrySet()) {
      boolean affected = e.getValue().getTasksList().stream()
          .anyMatch(t -> t.getNode().equals(node) && isActive(t.getState()));
      if (affected) {
        store.updateJob(e.getKey(), old -> lose(old, node, reason));
      }
    }
  }

  static JobState lose(JobState old, String node, String reason) {
    if (old == null) {
      return null;
    }
    JobState.Builder b = old.toBuilder();
    boolean changed = false;
    for (int i = 0; i < b.getTasksCount(); i++) {
      TaskRecord t = b.getTasks(i);
      if (t.getNode().equals(node) && isActive(t.getState())) {
        b.setTasks(i, t.toBuilder().setState(TaskState.TASK_LOST).setMessage("node " + node + " down: " + reason).build());
        changed = true;
      }
    }
    return changed ? b.build() : old;
  }

  private static boolean isActive(TaskState s) {
    return s == TaskState.TASK_PENDING || s == TaskState.TASK_STARTING || s == TaskState.TASK_RUNNING;
  }
}
