package io.berth.coordinator.scheduler;

import io.berth.coordinator.state.ClusterSnapshot;
import io.berth.coordinator.state.JobKey;
import io.berth.proto.GroupSpec;
import io.berth.proto.JobState;
import io.berth.proto.NodeRecord;
import io.berth.proto.Resources;
import io.berth.proto.TaskRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every node's usage for one plan, built once from the snapshot (one pass over all tasks) and
 * updated as the plan places tasks, so each feasibility check is constant time.
 */
final class ClusterUsage {

  private final List<NodeUsage> nodes = new ArrayList<>();
  private final Map<String, NodeUsage> byName = new HashMap<>();
  /** group -> attribute -> attribute value -> tasks of the group on nodes with that value. */
  private final Map<String, Map<String, Map<String, Integer>>> tallies = new HashMap<>();

  private ClusterUsage() {}

  /**
   * Usage as the snapshot has it: live tasks (desired RUN; pending, starting or running) hold
   * their job spec's resources and their host ports, except those in {@code stopping}.
   */
  static ClusterUsage of(ClusterSnapshot snapshot, JobKey planned, Set<String> stopping) {
    ClusterUsage u = new ClusterUsage();
    for (NodeRecord n : snapshot.nodes().values()) {
      NodeUsage nu = new NodeUsage(n);
      u.nodes.add(nu);
      u.byName.put(nu.name, nu);
    }
    for (Map.Entry<JobKey, JobState> e : snapshot.jobHeaders().entrySet()) {
      JobState js = e.getValue();
      boolean isPlanned = e.getKey().equals(planned);
      Map<String, Resources> resources = new HashMap<>();
      for (GroupSpec g : js.getJob().getSpec().getGroupsList()) {
        resources.put(g.getName(), g.getResources());
      }
      int priority = js.getJob().getSpec().getPriority();
      JobType type = JobType.parse(js.getJob().getSpec().getType()).orElse(JobType.SERVICE);
      for (TaskRecord t : snapshot.tasksOf(e.getKey())) {
        NodeUsage nu = u.byName.get(t.getNode());
        if (nu == null || !TaskStates.isLive(t) || stopping.contains(t.getId())) {
          continue;
        }
        Resources r = resources.getOrDefault(t.getGroup(), Resources.getDefaultInstance());
        nu.hold(r.getCpuMillis(), r.getMemoryBytes(), t.getPortsMap().values());
        if (isPlanned) {
          nu.jobTasks++;
          nu.groupTasks.merge(t.getGroup(), 1, Integer::sum);
        } else {
          nu.residents.add(
              new NodeUsage.Resident(t, r.getCpuMillis(), r.getMemoryBytes(), priority, type));
        }
      }
    }
    return u;
  }

  /** Nodes in name order. */
  List<NodeUsage> nodes() {
    return nodes;
  }

  NodeUsage node(String name) {
    return byName.get(name);
  }

  /** Records a placement of the planned job. */
  void place(NodeUsage nu, PlacementAsk ask, Map<String, Integer> hostPorts) {
    nu.hold(ask.cpuMillis(), ask.memoryBytes(), hostPorts.values());
    nu.jobTasks++;
    String group = ask.group().getName();
    nu.groupTasks.merge(group, 1, Integer::sum);
    Map<String, Map<String, Integer>> byAttribute = tallies.get(group);
    if (byAttribute != null) {
      for (Map.Entry<String, Map<String, Integer>> e : byAttribute.entrySet()) {
        String value = NodeAttributes.value(nu.node, e.getKey());
        if (value != null) {
          e.getValue().merge(value, 1, Integer::sum);
        }
      }
    }
  }

  /**
   * How many tasks of the planned job's group run on nodes whose attribute has this value. Built
   * on first use per (group, attribute), then kept current by {@link #place}.
   */
  int groupTasksWhere(String group, String attribute, String value) {
    Map<String, Integer> counts =
        tallies
            .computeIfAbsent(group, g -> new HashMap<>())
            .computeIfAbsent(attribute, a -> tally(group, a));
    return counts.getOrDefault(value, 0);
  }

  private Map<String, Integer> tally(String group, String attribute) {
    Map<String, Integer> counts = new HashMap<>();
    for (NodeUsage nu : nodes) {
      int n = nu.groupTasks(group);
      String value = NodeAttributes.value(nu.node, attribute);
      if (n > 0 && value != null) {
        counts.merge(value, n, Integer::sum);
      }
    }
    return counts;
  }
}
