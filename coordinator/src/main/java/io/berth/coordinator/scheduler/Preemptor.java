package io.berth.coordinator.scheduler;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * When no node fits, finds the node where evicting the fewest lower-priority batch tasks makes
 * room. Only batch tasks of a strictly lower priority are evicted (a batch task can be retried;
 * a service's would just move the problem), lowest priority first, then the youngest (it has
 * done the least work). Nodes that fail for other reasons (not ready, constraints) are skipped.
 */
final class Preemptor {

  /** Lowest priority first, then youngest, then id: the order tasks are chosen for eviction. */
  private static final Comparator<NodeUsage.Resident> EVICTION_ORDER =
      Comparator.comparingInt(NodeUsage.Resident::priority)
          .thenComparing(r -> -r.task().getCreatedAtMs())
          .thenComparing(r -> r.task().getId());

  private final int dynamicMin;
  private final int dynamicMax;

  Preemptor(int dynamicMin, int dynamicMax) {
    this.dynamicMin = dynamicMin;
    this.dynamicMax = dynamicMax;
  }

  /** The tasks to evict on one node, and the node. */
  record Eviction(NodeUsage node, List<NodeUsage.Resident> victims) {
    int highestPriority() {
      return victims.stream().mapToInt(NodeUsage.Resident::priority).max().orElse(0);
    }
  }

  /** The cheapest eviction over the nodes: fewest victims, then lowest top priority, then name. */
  Optional<Eviction> cheapest(PlacementAsk ask, List<NodeUsage> nodes, ClusterUsage cluster) {
    Eviction best = null;
    for (NodeUsage n : nodes) {
      if (NodeFeasibility.READY.check(ask, n, cluster) != null
          || NodeFeasibility.CONSTRAINTS.check(ask, n, cluster) != null) {
        continue;
      }
      Eviction e = evictionOn(ask, n);
      if (e != null && (best == null || cheaper(e, best))) {
        best = e;
      }
    }
    return Optional.ofNullable(best);
  }

  private static boolean cheaper(Eviction a, Eviction b) {
    if (a.victims.size() != b.victims.size()) {
      return a.victims.size() < b.victims.size();
    }
    if (a.highestPriority() != b.highestPriority()) {
      return a.highestPriority() < b.highestPriority();
    }
    return a.node.name.compareTo(b.node.name) < 0;
  }

  /** The victims that make room on this node, or null when evicting every candidate is not enough. */
  Eviction evictionOn(PlacementAsk ask, NodeUsage n) {
    List<NodeUsage.Resident> preemptible = new ArrayList<>();
    for (NodeUsage.Resident r : n.residents) {
      if (r.type().exitMeansComplete() && r.priority() < ask.priority()) {
        preemptible.add(r);
      }
    }
    if (preemptible.isEmpty()) {
      return null;
    }
    preemptible.sort(EVICTION_ORDER);
    List<NodeUsage.Resident> victims = new ArrayList<>();
    BitSet ports = (BitSet) n.ports.clone();
    // Holders of a static port the task needs must go, whatever they hold otherwise.
    for (int p : ask.staticPorts()) {
      if (!ports.get(p)) {
        continue;
      }
      NodeUsage.Resident holder =
          preemptible.stream().filter(r -> r.task().getPortsMap().containsValue(p)).findFirst().orElse(null);
      if (holder == null) {
        return null; // held by a task that may not be evicted
      }
      evict(holder, victims, preemptible, ports);
    }
    long freeCpu = n.freeCpu() + victims.stream().mapToLong(NodeUsage.Resident::cpuMillis).sum();
    long freeMemory = n.freeMemory() + victims.stream().mapToLong(NodeUsage.Resident::memoryBytes).sum();
    while (!fits(ask, freeCpu, freeMemory)) {
      NodeUsage.Resident r = firstHelping(preemptible, ask, freeCpu, freeMemory);
      if (r == null) {
        return null;
      }
      evict(r, victims, preemptible, ports);
      freeCpu += r.cpuMillis();
      freeMemory += r.memoryBytes();
    }
    if (!fits(ask, freeCpu, freeMemory) || !dynamicPortsFree(ask, ports) || victims.isEmpty()) {
      return null;
    }
    return new Eviction(n, List.copyOf(victims));
  }

  /** The first candidate that frees some of what is short, so no task is evicted for nothing. */
  private static NodeUsage.Resident firstHelping(
      List<NodeUsage.Resident> candidates, PlacementAsk ask, long freeCpu, long freeMemory) {
    boolean cpuShort = ask.cpuMillis() > 0 && ask.cpuMillis() > freeCpu;
    boolean memoryShort = ask.memoryBytes() > 0 && ask.memoryBytes() > freeMemory;
    for (NodeUsage.Resident r : candidates) {
      if ((cpuShort && r.cpuMillis() > 0) || (memoryShort && r.memoryBytes() > 0)) {
        return r;
      }
    }
    return null;
  }

  private static void evict(
      NodeUsage.Resident r, List<NodeUsage.Resident> victims, List<NodeUsage.Resident> left, BitSet ports) {
    victims.add(r);
    left.remove(r);
    for (int p : r.task().getPortsMap().values()) {
      if (p > 0) {
        ports.clear(p);
      }
    }
  }

  private static boolean fits(PlacementAsk ask, long freeCpu, long freeMemory) {
    return (ask.cpuMillis() == 0 || ask.cpuMillis() <= freeCpu)
        && (ask.memoryBytes() == 0 || ask.memoryBytes() <= freeMemory);
  }

  private boolean dynamicPortsFree(PlacementAsk ask, BitSet ports) {
    int needed = ask.dynamicPorts();
    for (int p = ports.nextClearBit(dynamicMin); needed > 0 && p <= dynamicMax; p = ports.nextClearBit(p + 1)) {
      boolean isStatic = false;
      for (int s : ask.staticPorts()) {
        isStatic |= s == p;
      }
      if (!isStatic) {
        needed--;
      }
    }
    return needed == 0;
  }
}
