package io.berth.coordinator.scheduler;

/**
 * Orders feasible nodes for a placement; the least node wins. Every ranking ends on the node
 * name, so the choice is deterministic.
 */
interface NodeRanker {

  /** Negative when {@code a} is the better node for the task. */
  int compare(PlacementAsk ask, NodeUsage a, NodeUsage b, ClusterUsage cluster);

  static NodeRanker forType(JobType type) {
    return type.exitMeansComplete() ? new BinPack() : new Spread();
  }

  /**
   * For {@code spread} constraints: fewer tasks of the group on nodes sharing the attribute value
   * is better. Zero when the group has no such constraint.
   */
  static int compareSpreadConstraints(PlacementAsk ask, NodeUsage a, NodeUsage b, ClusterUsage cluster) {
    String group = ask.group().getName();
    for (PlacementConstraint pc : ask.constraints()) {
      if (pc instanceof PlacementConstraint.Spread s) {
        int c = Integer.compare(spreadLoad(s, a, cluster, group), spreadLoad(s, b, cluster, group));
        if (c != 0) {
          return c;
        }
      }
    }
    return 0;
  }

  private static int spreadLoad(PlacementConstraint.Spread s, NodeUsage n, ClusterUsage cluster, String group) {
    String value = NodeAttributes.value(n.node, s.attribute());
    // A node without the attribute is the last choice rather than excluded.
    return value == null ? Integer.MAX_VALUE : cluster.groupTasksWhere(group, s.attribute(), value);
  }

  /** Services and global jobs: fewest tasks of this job, then most free memory, then name. */
  final class Spread implements NodeRanker {
    @Override
    public int compare(PlacementAsk ask, NodeUsage a, NodeUsage b, ClusterUsage cluster) {
      int c = compareSpreadConstraints(ask, a, b, cluster);
      if (c != 0) {
        return c;
      }
      c = Integer.compare(a.jobTasks, b.jobTasks);
      if (c != 0) {
        return c;
      }
      c = Long.compare(b.freeMemory(), a.freeMemory());
      return c != 0 ? c : a.name.compareTo(b.name);
    }
  }

  /** Batch: the node left with the least free memory that still fits, then name. */
  final class BinPack implements NodeRanker {
    @Override
    public int compare(PlacementAsk ask, NodeUsage a, NodeUsage b, ClusterUsage cluster) {
      int c = compareSpreadConstraints(ask, a, b, cluster);
      if (c != 0) {
        return c;
      }
      c = Long.compare(a.freeMemory() - ask.memoryBytes(), b.freeMemory() - ask.memoryBytes());
      return c != 0 ? c : a.name.compareTo(b.name);
    }
  }
}
