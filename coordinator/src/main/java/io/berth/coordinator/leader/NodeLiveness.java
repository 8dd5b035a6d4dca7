package io.berth.coordinator.leader;

import io.berth.coordinator.session.NodeRegistrar;
import io.berth.coordinator.session.SessionRegistry;
import io.berth.coordinator.state.ClusterSnapshot;
import io.berth.coordinator.state.ClusterStore;
import io.berth.coordinator.state.JobKey;
import io.berth.coordinator.state.StateChange;
import io.berth.proto.MemberRecord;
import io.berth.proto.NodeRecord;
import io.berth.proto.NodeStatus;
import io.berth.proto.TaskRecord;
import io.berth.proto.TaskState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leader-only: a node that no coordinator has vouched for during the TTL is down, and its tasks
 * are lost. A node is vouched for by this coordinator's own sessions, or by another coordinator
 * whose member record lists it and keeps moving. A new leader first waits one TTL (the grace
 * period) so that a failover never marks nodes down in bulk, and judges nobody while its own
 * writes are not getting through. Before judging a node that the replicated state no longer
 * vouches for, it asks the other members directly: an overloaded member may fail to get its
 * record written while its agents are connected and well.
 */
public final class NodeLiveness {
  private static final Logger LOG = LoggerFactory.getLogger(NodeLiveness.class);
  private static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(3);
  /**
   * How long an agent whose coordinator died may take to hold a session with another: the cap of
   * its reconnect backoff (agent's {@code AgentSession.Settings}: full jitter, capped at 10 s).
   * Nodes whose only voucher went silent and does not answer get it on top of the TTL, so a
   * coordinator's death does not take its agents' nodes down while they reconnect.
   */
  static final long AGENT_RECONNECT_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(10);
  /**
   * Re-admission time per reconnecting agent: 25 a second for the whole cluster, below the ~40 a
   * second two survivors managed on 2 cores shared with a 10,000-node hollow fleet
   * (docs/BENCHMARKS.md, session 5).
   */
  static final long NANOS_PER_RECONNECT = TimeUnit.MILLISECONDS.toNanos(40);

  private final ClusterStore store;
  private final SessionRegistry sessions;
  private final MemberWatch members;
  private final NodeRegistrar registrar;
  private final MemberProbe probe;
  private final LongSupplier nanoClock;
  private final long ttlNanos;
  private final String self;
  private long graceSinceNanos;
  private final Map<String, Long> vouched = new HashMap<>();
  // The member whose direct answer last vouched for each node, and when: its record may not list
  // the node (written before the agent came, and stalled since), so if that member goes silent,
  // a node nothing vouched for since is its orphan too and gets the reconnect window.
  private final Map<String, DirectVouch> vouchedBy = new HashMap<>();

  /** A member's direct answer for a node: who gave it, and the time it vouches for the node to. */
  private record DirectVouch(String member, long atNanos) {}

  public NodeLiveness(ClusterStore store, SessionRegistry sessions, MemberWatch members, NodeRegistrar registrar,
      MemberProbe probe, Duration ttl, String self, LongSupplier nanoClock) {
    this.store = store;
    this.sessions = sessions;
    this.members = members;
    this.registrar = registrar;
    this.probe = probe;
    this.nanoClock = nanoClock;
    this.ttlNanos = ttl.toNanos();
    this.self = self;
    this.graceSinceNanos = nanoClock.getAsLong();
  }

  /** One pass: marks overdue nodes down. */
  public void check() {
    long now = nanoClock.getAsLong();
    // While this coordinator's own record does not move, the state is not taking writes (or this
    // replica lags): nobody's record could move, so silence proves nothing. Judge nobody, and give
    // every node a fresh grace period once writes flow again.
    long ownMoved = members.lastMovedNanos(self).orElse(graceSinceNanos);
    if (now - ownMoved > STALL_NANOS) {
      graceSinceNanos = now;
      return;
    }
    ClusterSnapshot s = store.snapshot();
    Map<String, List<MemberRecord>> listedBy = listedBy(s);
    DirectAnswers direct = new DirectAnswers(s, listedBy);
    for (NodeRecord n : s.nodes().values()) {
      if (n.getStatus() == NodeStatus.NODE_DOWN) {
        continue;
      }
      String name = n.getFacts().getName();
      long lastSeen = Math.max(lastVouched(listedBy, name), graceSinceNanos);
      if (now - lastSeen <= ttlNanos) {
        continue;
      }
      Optional<DirectVouch> heard = direct.lastHeard(name, now);
      if (heard.isPresent() && now - heard.get().atNanos() <= ttlNanos) {
        vouched.put(name, heard.get().atNanos());
        vouchedBy.put(name, heard.get());
        continue;
      }
      if (direct.orphaned(name, now) && now - lastSeen <= ttlNanos + reconnectWindowNanos(direct.orphans(now))) {
        continue; // its coordinator is gone: its agent gets the time to find another one
      }
      Optional<MemberWatch.Release> release = members.released(name);
      if (release.isPresent()
          && now - release.get().atNanos() <= ttlNanos + release.get().together() * NANOS_PER_RECONNECT) {
        continue; // a live coordinator let it go with many others (a hand-off): its agent queues to reconnect
      }
      String reason = "not heard from for " + TimeUnit.NANOSECONDS.toSeconds(now - lastSeen) + " s";
      LOG.info("node {} is down: {}", name, reason);
      registrar.down(name, reason);
      markTasksLost(name, reason);
    }
    direct.logKept();
  }

  /** What the other members say when asked directly; each is asked at most once a pass, and only if needed. */
  private final class DirectAnswers {
    private final ClusterSnapshot snapshot;
    private final Map<String, List<MemberRecord>> listedBy;
    private final Map<String, Optional<Map<String, MemberProbe.Held>>> byMember = new HashMap<>();
    private final Map<String, List<String>> kept = new TreeMap<>();
    private int orphans = -1;

    DirectAnswers(ClusterSnapshot snapshot, Map<String, List<MemberRecord>> listedBy) {
      this.snapshot = snapshot;
      this.listedBy = listedBy;
    }

    /** How many nodes are listed by gone members (stalled and silent): the agents reconnecting now. */
    int orphans(long now) {
      if (orphans < 0) {
        orphans = 0;
        for (MemberRecord m : snapshot.members().values()) {
          if (!m.getId().equals(self) && gone(m, now)) {
            orphans += m.getConnectedNodesCount();
          }
        }
      }
      return orphans;
    }

    private boolean gone(MemberRecord m, long now) {
      boolean stalled = members.lastMovedNanos(m.getId()).map(t -> now - t > STALL_NANOS).orElse(true);
      return stalled && byMember.computeIfAbsent(m.getId(), id -> probe.heldSessions(m)).isEmpty();
    }

    /**
     * Which other member vouches for the node's agent, by its own word, and to when: now, while
     * the agent's next heartbeat is not due (its interval grows with the cluster, past the TTL at
     * 10,000 nodes), else when it fell due. Empty if no member holds its session.
     */
    Optional<DirectVouch> lastHeard(String node, long now) {
      long best = 0;
      String by = null;
      for (MemberRecord m : snapshot.members().values()) {
        if (m.getId().equals(self)) {
          continue;
        }
        Optional<Map<String, MemberProbe.Held>> answer =
            byMember.computeIfAbsent(m.getId(), id -> probe.heldSessions(m));
        MemberProbe.Held held = answer.map(sessions -> sessions.get(node)).orElse(null);
        if (held != null && (by == null || now - held.overdue().toNanos() > best)) {
          best = now - held.overdue().toNanos();
          by = m.getId();
        }
      }
      if (by == null) {
        return Optional.empty();
      }
      if (now - best <= ttlNanos) {
        kept.computeIfAbsent(by, k -> new ArrayList<>()).add(node);
      }
      return Optional.of(new DirectVouch(by, best));
    }

    /**
     * Listed by another member whose record stopped moving and who did not answer when asked, or
     * last vouched for by the direct answer of such a member.
     */
    boolean orphaned(String node, long now) {
      for (MemberRecord m : listedBy.getOrDefault(node, List.of())) {
        if (!m.getId().equals(self) && gone(m, now)) {
          return true;
        }
      }
      DirectVouch last = vouchedBy.get(node);
      if (last == null || vouched.getOrDefault(node, Long.MIN_VALUE) != last.atNanos()) {
        return false; // never vouched for directly, or vouched for since by the replicated state
      }
      MemberRecord voucher = snapshot.members().get(last.member());
      return voucher != null && !voucher.getId().equals(self) && gone(voucher, now);
    }

    void logKept() {
      kept.forEach((member, nodes) -> LOG.info("{} node(s) not judged down, though the replicated state has not vouched "
          + "for them within the TTL: member {} holds their sessions ({}{})", nodes.size(), member,
          String.join(", ", nodes.subList(0, Math.min(5, nodes.size()))), nodes.size() > 5 ? ", ..." : ""));
    }
  }

  /**
   * The last time anything vouched for the node. Remembered across checks: once the agent of a
   * node is gone, no member record lists it any more, and the TTL must count from when one last
   * did, not from this leader's start.
   */
  private long lastVouched(Map<String, List<MemberRecord>> listedBy, String node) {
    long best = Math.max(sessions.lastSeenNanos(node).orElse(Long.MIN_VALUE),
        members.nodeChangedNanos(node).orElse(Long.MIN_VALUE));
    for (MemberRecord m : listedBy.getOrDefault(node, List.of())) {
      best = Math.max(best, members.lastMovedNanos(m.getId()).orElse(Long.MIN_VALUE));
    }
    best = Math.max(best, vouched.getOrDefault(node, Long.MIN_VALUE));
    vouched.put(node, best);
    return best;
  }

  /**
   * Which members' records list each node, built once a pass: looking a node up in every
   * member's list instead cost nodes x members x list length string comparisons each second
   * (10^8 at 10,000 nodes).
   */
  private static Map<String, List<MemberRecord>> listedBy(ClusterSnapshot s) {
    Map<String, List<MemberRecord>> index = new HashMap<>();
    for (MemberRecord m : s.members().values()) {
      for (String node : m.getConnectedNodesList()) {
        index.computeIfAbsent(node, k -> new ArrayList<>(1)).add(m);
      }
    }
    return index;
  }

  /**
   * How long the agents of a gone member may take to hold sessions elsewhere: their backoff cap
   * (10 s), or longer when there are many of them, since the survivors re-admit them at a bounded
   * rate (TLS handshakes, Joins). Nomad gives every node a fixed 5 min after a failover; this
   * grows with the number actually reconnecting instead, so a lone dead node is still judged soon.
   */
  static long reconnectWindowNanos(int reconnecting) {
    return Math.max(AGENT_RECONNECT_WINDOW_NANOS, reconnecting * NANOS_PER_RECONNECT);
  }

  /**
   * Its tasks' last reports no longer hold: they are lost, and get replaced elsewhere. One write
   * of the lost tasks' records alone (a job of 100,000 tasks is not rewritten for the 10 on a node).
   */
  private void markTasksLost(String node, String reason) {
    store.update(s -> {
      StateChange change = new StateChange();
      for (JobKey job : s.jobKeys()) {
        for (TaskRecord t : s.tasksOf(job)) {
          if (t.getNode().equals(node) && isActive(t.getState())) {
            change.putTask(job, t.toBuilder().setState(TaskState.TASK_LOST)
                .setMessage("node " + node + " down: " + reason).build());
          }
        }
      }
      return change;
    });
  }

  private static boolean isActive(TaskState s) {
    return s == TaskState.TASK_PENDING || s == TaskState.TASK_STARTING || s == TaskState.TASK_RUNNING;
  }
}
