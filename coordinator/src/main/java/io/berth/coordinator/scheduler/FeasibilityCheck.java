package io.berth.coordinator.scheduler;

/** One rule a node must pass to take a task of a group. */
@FunctionalInterface
interface FeasibilityCheck {

  /** The reason the node fails the rule, or null when it passes (null keeps the hot loop lean). */
  Rejection check(PlacementAsk ask, NodeUsage node, ClusterUsage cluster);
}
