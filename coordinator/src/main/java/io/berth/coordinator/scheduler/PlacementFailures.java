package io.berth.coordinator.scheduler;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Why tasks were not placed, kept per group and turned into one line per group with a shortfall:
 * "web: 2 of 3 not placed: 5 nodes evaluated: 2 exhausted memory, 3 port 80 in use".
 */
final class PlacementFailures {

  private final Map<String, GroupTally> groups = new LinkedHashMap<>();
  private final List<String> notes = new ArrayList<>();

  /** One placement of the group was attempted. */
  void wanted(String group) {
    groups.computeIfAbsent(group, g -> new GroupTally()).wanted++;
  }

  /**
   * A placement failed after evaluating nodes, with each rejected node's first reason. For
   * multi-node placements the latest attempt's reasons replace the earlier ones (every attempt of
   * a group asks the same); single-node (global) attempts add up.
   */
  void failed(String group, int nodesEvaluated, Map<Rejection, Integer> reasons, boolean accumulate) {
    GroupTally t = groups.computeIfAbsent(group, g -> new GroupTally());
    t.failed++;
    if (!accumulate) {
      t.nodesEvaluated = 0;
      t.reasons.clear();
    }
    t.nodesEvaluated += nodesEvaluated;
    reasons.forEach((r, n) -> t.reasons.merge(r, n, Integer::sum));
  }

  /** A placement not evaluated again because an identical one of the group already failed. */
  void failedLikePrevious(String group) {
    groups.computeIfAbsent(group, g -> new GroupTally()).failed++;
  }

  boolean hasFailed(String group) {
    GroupTally t = groups.get(group);
    return t != null && t.failed > 0;
  }

  /** A line that is not a shortfall but the lead should see in the plan (e.g. a preemption). */
  void note(String line) {
    notes.add(line);
  }

  List<String> lines() {
    List<String> out = new ArrayList<>();
    groups.forEach(
        (group, t) -> {
          if (t.failed == 0) {
            return;
          }
          StringBuilder sb = new StringBuilder();
          sb.append(group).append(": ").append(t.failed).append(" of ").append(t.wanted)
              .append(" not placed: ").append(t.nodesEvaluated)
              .append(t.nodesEvaluated == 1 ? " node evaluated" : " nodes evaluated");
          String sep = ": ";
          for (Map.Entry<Rejection, Integer> e : t.reasons.entrySet()) {
            sb.append(sep).append(e.getValue()).append(' ').append(e.getKey().reason());
            sep = ", ";
          }
          out.add(sb.toString());
        });
    out.addAll(notes);
    return out;
  }

  private static final class GroupTally {
    int wanted;
    int failed;
    int nodesEvaluated;
    final Map<Rejection, Integer> reasons = new TreeMap<>();
  }
}
