package io.berth.coordinator.scheduler;

import io.berth.proto.Constraint;
import io.berth.proto.NodeRecord;
import java.util.Arrays;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Collectors;

/**
 * A group constraint compiled once per plan. Node constraints ({@code =}, {@code !=},
 * {@code regex}, {@code in}) look at the node alone; placement constraints ({@code unique},
 * {@code distinct_hosts}, {@code max_per_node}) also at where the group's tasks already are;
 * {@code spread} never rejects a node, it only steers ranking.
 */
sealed interface PlacementConstraint {

  /** How the constraint reads in a failure line, e.g. "rack = b". */
  String describe();

  /** Whether the node can take one more task of the group. */
  boolean allows(NodeRecord node, NodeUsage usage, ClusterUsage cluster, String group);

  /** Whether the constraint depends on the node alone (global jobs skip nodes failing those). */
  boolean nodeOnly();

  static PlacementConstraint compile(Constraint c) {
    String attribute = c.getAttribute();
    String value = c.getValue();
    String op = c.getOperator();
    String described = (attribute.isEmpty() ? "hostname" : attribute) + " " + op
        + (value.isEmpty() ? "" : " " + value);
    switch (op) {
      case "=", "==", "is":
        return new NodeMatch(described, attribute, v -> v != null && v.equals(value));
      case "!=", "not":
        // A node without the attribute is not equal to the value (as in Nomad).
        return new NodeMatch(described, attribute, v -> v == null || !v.equals(value));
      case "regex", "regexp":
        try {
          Pattern p = Pattern.compile(value);
          return new NodeMatch(described, attribute, v -> v != null && p.matcher(v).find());
        } catch (PatternSyntaxException e) {
          return new Unsatisfiable(described + " (bad regex: " + e.getDescription() + ")");
        }
      case "in", "set_contains_any":
        Set<String> set = Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty())
            .collect(Collectors.toSet());
        return new NodeMatch(described, attribute, v -> v != null && set.contains(v));
      case "unique", "distinct_hosts", "distinct_property":
        return new Distinct(described, attribute, 1);
      case "max_per_node":
        try {
          return new Distinct(described, "hostname", Integer.parseInt(value.trim()));
        } catch (NumberFormatException e) {
          return new Unsatisfiable(described + " (not a number: '" + value + "')");
        }
      case "spread":
        return new Spread(described, attribute);
      default:
        return new Unsatisfiable(described + " (unknown operator '" + op + "')");
    }
  }

  /** A test of the node's attribute value (null when the node has no such attribute). */
  interface ValueTest {
    boolean test(String value);
  }

  record NodeMatch(String describe, String attribute, ValueTest test)
      implements PlacementConstraint {
    @Override
    public boolean allows(NodeRecord node, NodeUsage usage, ClusterUsage cluster, String group) {
      return test.test(NodeAttributes.value(node, attribute));
    }

    @Override
    public boolean nodeOnly() {
      return true;
    }
  }

  /**
   * At most {@code limit} tasks of the group per value of the attribute: hostname with limit 1
   * is unique/distinct_hosts, limit n is max_per_node, another attribute spreads over its values.
   */
  record Distinct(String describe, String attribute, int limit) implements PlacementConstraint {
    @Override
    public boolean allows(NodeRecord node, NodeUsage usage, ClusterUsage cluster, String group) {
      if (NodeAttributes.isHostname(attribute)) {
        return usage.groupTasks(group) < limit;
      }
      String value = NodeAttributes.value(node, attribute);
      return value != null && cluster.groupTasksWhere(group, attribute, value) < limit;
    }

    @Override
    public boolean nodeOnly() {
      return false;
    }
  }

  /** Prefer nodes whose attribute value holds the fewest tasks of the group; never rejects. */
  record Spread(String describe, String attribute) implements PlacementConstraint {
    @Override
    public boolean allows(NodeRecord node, NodeUsage usage, ClusterUsage cluster, String group) {
      return true;
    }

    @Override
    public boolean nodeOnly() {
      return true;
    }
  }

  /** An operator or value the scheduler cannot evaluate: no node qualifies, and the line says why. */
  record Unsatisfiable(String describe) implements PlacementConstraint {
    @Override
    public boolean allows(NodeRecord node, NodeUsage usage, ClusterUsage cluster, String group) {
      return false;
    }

    /** Not node-only, so a global job reports it instead of silently skipping every node. */
    @Override
    public boolean nodeOnly() {
      return false;
    }
  }
}
