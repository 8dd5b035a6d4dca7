package io.berth.coordinator.session;

import io.berth.coordinator.state.ClusterSnapshot;
import io.berth.proto.Assignments;
import io.berth.proto.DesiredState;
import io.berth.proto.JobState;
import io.berth.proto.NodeRecord;
import io.berth.proto.TaskRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
  private final AssignmentBuilder assignments;
  private volatile ClusterSnapshot latest = ClusterSnapshot.EMPTY;

  public SessionRegistry(AssignmentBuilder assignments) {
    this.assignments = assignments;
  }

  void attach(AgentSession session) {
    AgentSession previous = sessions.put(session.node(), session);
    if (previous != null && previous != session) {
      previous.close("replaced by a newer session of the same node");
    }
    touch(session.node());
    session.push(assignmentsFor(session.node(), latest));
  }

  void detach(AgentSession session) {
    sessions.remove(session.node(), session);
  }

  void touch(String node) {
    lastSeenNanos.put(node, System.nanoTime());
  }

  /** Nodes holding a session with this coordinator now. */
  public java.util.List<String> connectedNodes() {
    return sessions.keySet().stream().sorted().toList();
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
    latest = snapshot;
    if (sessions.isEmpty()) {
      return;
    }
    Map<String, List<TaskRecord>> byNode = desiredByNode(snapshot);
    for (AgentSession s : sessions.values()) {
      try {
        List<TaskRecord> tasks = byNode.getOrDefault(s.node(), List.of());
        // Most changes (a task report) leave a node's set as it was: compare ids before building specs.
        if (!s.differsFrom(tasks.stream().map(TaskRecord::getId).sorted().toList())) {
          continue;
        }
        s.push(build(s.node(), tasks, snapshot));
      } catch (RuntimeException e) {
        LOG.warn("could not push assignments to {}: {}", s.node(), e.toString());
      }
    }
  }

  Assignments assignmentsFor(String node, ClusterSnapshot snapshot) {
    return build(node, desiredByNode(snapshot).getOrDefault(node, List.of()), snapshot);
  }

  /** Containers can only use resolvers on port 53 (resolv.conf has no port field). */
  private static List<String> containerResolvers(ClusterSnapshot snapshot) {
    List<String> out = new ArrayList<>();
    for (var m : snapshot.members().values()) {
      if (m.getDnsPort() == 53 && !m.getDnsAddress().isEmpty() && !m.getDnsAddress().equals("0.0.0.0")) {
        out.add(m.getDnsAddress());
      }
    }
    return out;
  }

  private Assignments build(String node, List<TaskRecord> tasks, ClusterSnapshot snapshot) {
    Assignments.Builder a = Assignments.newBuilder().setVersion(snapshot.version());
    Optional<NodeRecord> n = snapshot.node(node);
    if (n.isEmpty()) {
      return a.build();
    }
    for (TaskRecord t : tasks) {
      JobState js = snapshot.job(io.berth.coordinator.state.JobKey.of(t.getNamespace(), t.getJob())).orElse(null);
      if (js != null) {
        a.addTasks(assignments.build(t, js.getJob().getSpec(), n.get(), containerResolvers(snapshot)));
      }
    }
    return a.build();
  }

  private static Map<String, List<TaskRecord>> desiredByNode(ClusterSnapshot snapshot) {
    Map<String, List<TaskRecord>> byNode = new HashMap<>();
    for (JobState js : snapshot.jobs().values()) {
      for (TaskRecord t : js.getTasksList()) {
        if (t.getDesired() == DesiredState.DESIRED_RUN) {
          byNode.computeIfAbsent(t.getNode(), k -> new ArrayList<>()).add(t);
        }
      }
    }
    return byNode;
  }
}
