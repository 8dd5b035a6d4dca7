package io.berth.coordinator.scheduler;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Which nodes one placement looks at. Up to {@link #FULL_SCAN_UP_TO} nodes, all of them, so small
 * clusters get the exact best node. Beyond, the way Nomad bounds its work: the nodes in a random
 * order (seeded by the evaluation, so a plan is reproducible), a cursor that moves on from one
 * placement to the next, and each placement stops once it has found {@link #feasibleWanted()}
 * feasible nodes, the best of which wins. A placement costs O(log n) node checks instead of O(n),
 * and successive placements look at different nodes, which keeps services spread. A placement
 * that finds too few feasible nodes goes on round the whole cluster before it gives up, so "no
 * node fits" still means no node fits.
 */
final class CandidateWindow {
  static final int FULL_SCAN_UP_TO = 256;

  private final List<NodeUsage> order;
  private final int feasibleWanted;
  private int cursor;

  CandidateWindow(List<NodeUsage> nodes, long seed) {
    if (nodes.size() <= FULL_SCAN_UP_TO) {
      this.order = nodes;
      this.feasibleWanted = Integer.MAX_VALUE;
    } else {
      List<NodeUsage> shuffled = new ArrayList<>(nodes);
      Collections.shuffle(shuffled, new Random(seed));
      this.order = shuffled;
      // 2 log2(n): 28 of 10,000 nodes; enough that a spread constraint's emptiest value is nearly always among them.
      this.feasibleWanted = 2 * (32 - Integer.numberOfLeadingZeros(nodes.size()));
    }
  }

  /** Feasible nodes a placement stops at (every node for a small cluster). */
  int feasibleWanted() {
    return feasibleWanted;
  }

  int size() {
    return order.size();
  }

  /** The i-th node from the cursor on (0 <= i < size()). */
  NodeUsage fromCursor(int i) {
    return order.get((cursor + i) % order.size());
  }

  /** The next placement starts after the {@code examined} nodes this one looked at. */
  void advance(int examined) {
    if (!order.isEmpty()) {
      cursor = (cursor + examined) % order.size();
    }
  }

  List<NodeUsage> all() {
    return order;
  }
}
