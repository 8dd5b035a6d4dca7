package io.berth.coordinator.session;

import io.berth.coordinator.state.ClusterSnapshot;
import io.berth.coordinator.state.JobKey;
import io.berth.proto.JobState;
import io.berth.proto.NodeRecord;
import io.berth.proto.TaskRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent sessions this coordinator holds, by node. On every state change it works out each
 * node's desired tasks once and pushes them to the sessions whose set changed.
 */
public final class SessionRegistry implements Consumer<ClusterSnapshot> {
  private static final Logger LOG = LoggerFactory.getLogger(SessionRegistry.class);

  private final Map<String, AgentSession> sessions = new ConcurrentHashMap<>();
  private final Map<String, Long> lastSeenNanos = new ConcurrentHashMap<>();
  private final Map<String, Long> heartbeatIntervalMs = new ConcurrentHashMap<>(); // told each agent at its Join
  // The desired set each session was last checked against (identity: see accept).
  private final Map<AgentSession, SortedMap<String, JobKey>> seen = new ConcurrentHashMap<>();
  private final Set<AgentSession> failedPushes = ConcurrentHashMap.newKeySet(); // their last push threw
  private final AssignmentBuilder assignments;
  private volatile ClusterSnapshot latest = ClusterSnapshot.EMPTY;
  private List<String> endpointsPushed = List.of(); // what accept last pushed to every session
  private volatile String refusal; // why new sessions are refused and held ones were closed; null: serving

  private final java.util.function.Supplier<List<String>> coordinators;

  public SessionRegistry(AssignmentBuilder assignments) {
    this(assignments, List::of);
  }

  /** {@code coordinators}: every coordinator's endpoint, this one's first; pushed to agents as it changes. */
  public SessionRegistry(AssignmentBuilder assignments, java.util.function.Supplier<List<String>> coordinators) {
    this.assignments = assignments;
    this.coordinators = coordinators;
  }

  /**
   * Closes every session with {@code why} and refuses new ones until {@link #serve}: their agents
   * redial another coordinator.
   */
  void refuse(String why) {
    refusal = why;
    for (AgentSession s : List.copyOf(sessions.values())) {
      end(s, why);
    }
  }

  /** Closes a session from this side, telling the agent why, and forgets it. */
  void end(AgentSession session, String why) {
    session.close(why);
    // Closing from our side ends the call without telling the observer: forget the session here.
    detach(session);
  }

  /** Takes sessions again. */
  void serve() {
    refusal = null;
  }

  /** Why this coordinator takes no sessions now, if it does not. */
  public Optional<String> refusal() {
    return Optional.ofNullable(refusal);
  }

  void attach(AgentSession session) {
    String refused = refusal;
    if (refused != null) {
      session.close(refused); // its Hello passed just before the hand-off began
      return;
    }
    AgentSession previous = sessions.put(session.node(), session);
    if (previous != null && previous != session) {
      seen.remove(previous);
      failedPushes.remove(previous);
      previous.close("replaced by a newer session of the same node");
    }
    touch(session.node());
    push(session, latest.tasksDesiredOn(session.node()), latest, new Resolvers(latest));
    session.pushCoordinators(coordinators.get());
  }

  void detach(AgentSession session) {
    sessions.remove(session.node(), session);
    seen.remove(session);
    failedPushes.remove(session);
  }

  void touch(String node) {
    lastSeenNanos.put(node, System.nanoTime());
  }

  /** The heartbeat interval this coordinator told the node's agent at its last Join here. */
  void heartbeatIntervalGiven(String node, long intervalMs) {
    heartbeatIntervalMs.put(node, intervalMs);
  }

  /** The interval the node's agent heartbeats at with this coordinator; 0 if it never joined here. */
  public long heartbeatIntervalMs(String node) {
    return heartbeatIntervalMs.getOrDefault(node, 0L);
  }

  /** Nodes holding a session with this coordinator now. */
  public java.util.List<String> connectedNodes() {
    return sessions.keySet().stream().sorted().toList();
  }

  /** How many nodes hold a session with this coordinator now. */
  public int connectedCount() {
    return sessions.size();
  }

  public boolean connected(String node) {
    return sessions.containsKey(node);
  }

  /** When this coordinator last heard from the node, if ever. */
  public Optional<Long> lastSeenNanos(String node) {
    return Optional.ofNullable(lastSeenNanos.get(node));
  }

  public Optional<AgentSession> session(String node) {
    return Optional.ofNullable(sessions.get(node));
  }

  @Override
  public void accept(ClusterSnapshot snapshot) {
    ClusterSnapshot before = latest;
    latest = snapshot;
    List<String> endpoints = sessions.isEmpty() ? List.of() : coordinators.get();
    // Same nodes and jobs (a member's record moved) and the same coordinators: every session's
    // desired set is the one it was checked against, so there is nothing to walk 10,000 sessions for.
    if (snapshot.sameNodesAndJobs(before) && endpoints.equals(endpointsPushed)) {
      return;
    }
    Resolvers resolvers = new Resolvers(snapshot);
    Optional<Set<String>> changed = snapshot.nodesWithNewDesiredSetsSince(before);
    if (changed.isPresent() && endpoints.equals(endpointsPushed)) {
      // The snapshot says whose sets changed since the one before: only those sessions are looked at.
      for (String node : changed.get()) {
        AgentSession s = sessions.get(node);
        if (s != null) {
          check(s, snapshot, resolvers);
        }
      }
      for (AgentSession s : List.copyOf(failedPushes)) {
        check(s, snapshot, resolvers); // its set may be unchanged, but the agent lacks it
      }
      return;
    }
    endpointsPushed = endpoints;
    for (AgentSession s : sessions.values()) {
      try {
        s.pushCoordinators(endpoints);
      } catch (RuntimeException e) {
        LOG.warn("could not push the coordinators to {}: {}", s.node(), e.toString());
      }
      check(s, snapshot, resolvers);
    }
  }

  /** Pushes what changed of the session's desired set, if it is another set than the one it was checked against. */
  private void check(AgentSession s, ClusterSnapshot snapshot, Resolvers resolvers) {
    try {
      SortedMap<String, JobKey> desired = snapshot.tasksDesiredOn(s.node());
      // Most changes (a task report, another node's placement) leave a node's set as it was: the
      // snapshot hands out the same set object then, so this costs a comparison per session.
      if (seen.get(s) != desired) {
        push(s, desired, snapshot, resolvers);
      }
      seen.put(s, desired);
      failedPushes.remove(s);
    } catch (RuntimeException e) {
      LOG.warn("could not push assignments to {}: {}", s.node(), e.toString());
      if (sessions.get(s.node()) == s) {
        failedPushes.add(s); // tried again on the next publish, whatever changes
      }
    }
  }

  /** Sends the session what differs from what it has; builds only the tasks it must send. */
  private void push(AgentSession s, SortedMap<String, JobKey> desired, ClusterSnapshot snapshot, Resolvers resolvers) {
    Optional<NodeRecord> node = snapshot.node(s.node());
    if (node.isEmpty()) {
      s.push(List.of(), snapshot.version(), id -> Optional.empty());
      return;
    }
    s.push(desired.keySet(), snapshot.version(), id -> {
      JobKey key = desired.get(id);
      Optional<JobState> job = snapshot.jobWithoutTasks(key);
      Optional<TaskRecord> t = snapshot.task(key, id);
      if (job.isEmpty() || t.isEmpty()) {
        return Optional.empty();
      }
      return Optional.of(assignments.build(t.get(), job.get().getJob().getSpec(), node.get(), resolvers.get()));
    });
  }

  /** The resolvers containers use, worked out once per snapshot and only if a task is built. */
  private static final class Resolvers {
    private final ClusterSnapshot snapshot;
    private List<String> addresses;

    Resolvers(ClusterSnapshot snapshot) {
      this.snapshot = snapshot;
    }

    /** Containers can only use resolvers on port 53 (resolv.conf has no port field). */
    List<String> get() {
      if (addresses == null) {
        List<String> out = new ArrayList<>();
        for (var m : snapshot.members().values()) {
          if (m.getDnsPort() == 53 && !m.getDnsAddress().isEmpty() && !m.getDnsAddress().equals("0.0.0.0")) {
            out.add(m.getDnsAddress());
          }
        }
        addresses = out;
      }
      return addresses;
    }
  }
}
