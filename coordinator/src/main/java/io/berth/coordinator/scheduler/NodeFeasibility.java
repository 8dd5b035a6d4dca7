package io.berth.coordinator.scheduler;

import io.berth.proto.NodeRecord;
import io.berth.proto.NodeStatus;
import java.util.List;

/**
 * The feasibility rules in the order they are tried; a node is reported under the first rule it
 * fails. Cheap, structural rules come first.
 */
final class NodeFeasibility {

  /** Ready (session up, runtime healthy) and not drained. */
  static final FeasibilityCheck READY =
      (ask, n, c) -> n.node.getStatus() != NodeStatus.NODE_READY
          ? Rejection.NOT_READY
          : n.node.getIneligible() ? Rejection.INELIGIBLE : null;

  static final FeasibilityCheck CONSTRAINTS =
      (ask, n, c) -> {
        for (PlacementConstraint pc : ask.constraints()) {
          if (!pc.allows(n.node, n, c, ask.group().getName())) {
            return Rejection.constraint(pc);
          }
        }
        return null;
      };

  static final FeasibilityCheck MEMORY =
      (ask, n, c) -> ask.memoryBytes() > 0 && ask.memoryBytes() > n.freeMemory() ? Rejection.MEMORY : null;

  static final FeasibilityCheck CPU =
      (ask, n, c) -> ask.cpuMillis() > 0 && ask.cpuMillis() > n.freeCpu() ? Rejection.CPU : null;

  private final List<FeasibilityCheck> checks;

  NodeFeasibility(PortAllocator ports) {
    this.checks = List.of(READY, CONSTRAINTS, ports::check, MEMORY, CPU);
  }

  /** The first rule the node fails, or null when the task fits. */
  Rejection firstRejection(PlacementAsk ask, NodeUsage node, ClusterUsage cluster) {
    for (FeasibilityCheck check : checks) {
      Rejection r = check.check(ask, node, cluster);
      if (r != null) {
        return r;
      }
    }
    return null;
  }

  /**
   * Whether a global job's group belongs on the node at all: ready, eligible and matching the
   * group's node-only constraints. Nodes that fail this are not a shortfall.
   */
  static boolean targetable(PlacementAsk ask, NodeRecord node) {
    if (node.getStatus() != NodeStatus.NODE_READY || node.getIneligible()) {
      return false;
    }
    for (PlacementConstraint pc : ask.constraints()) {
      if (pc.nodeOnly() && !pc.allows(node, null, null, ask.group().getName())) {
        return false;
      }
    }
    return true;
  }
}
