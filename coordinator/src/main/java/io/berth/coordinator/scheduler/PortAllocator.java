package io.berth.coordinator.scheduler;

import io.berth.proto.PortSpec;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Host ports: a static port must be free on the node; dynamic ports are the lowest free ones in
 * [min, max], so the choice is deterministic and never collides with a live task or with another
 * placement of the same plan on that node.
 */
final class PortAllocator {
  private final int min;
  private final int max;

  PortAllocator(int min, int max) {
    if (min <= 0 || max > 65535 || min > max) {
      throw new IllegalArgumentException("dynamic port range " + min + "-" + max + " is not within 1-65535");
    }
    this.min = min;
    this.max = max;
  }

  /** The feasibility rule: static ports free, and enough free dynamic ports. */
  Rejection check(PlacementAsk ask, NodeUsage node, ClusterUsage cluster) {
    for (int p : ask.staticPorts()) {
      if (node.ports.get(p)) {
        return Rejection.portInUse(p);
      }
    }
    if (ask.dynamicPorts() > 0) {
      int found = 0;
      for (int p = node.ports.nextClearBit(min); p <= max; p = node.ports.nextClearBit(p + 1)) {
        if (!isStatic(ask, p) && ++found == ask.dynamicPorts()) {
          return null;
        }
      }
      return Rejection.noDynamicPort(min, max);
    }
    return null;
  }

  /** Label -> host port for a node that passed {@link #check}. */
  Map<String, Integer> assign(PlacementAsk ask, NodeUsage node) {
    Map<String, Integer> out = new LinkedHashMap<>();
    BitSet taken = (BitSet) node.ports.clone();
    for (PortSpec ps : ask.group().getPortsList()) {
      if (ps.getStaticPort() > 0) {
        out.put(ps.getLabel(), ps.getStaticPort());
        taken.set(ps.getStaticPort());
      }
    }
    for (PortSpec ps : ask.group().getPortsList()) {
      if (ps.getStaticPort() <= 0) {
        int p = taken.nextClearBit(min);
        if (p > max) {
          throw new IllegalStateException("no free dynamic port on " + node.name + " after check passed");
        }
        out.put(ps.getLabel(), p);
        taken.set(p);
      }
    }
    return out;
  }

  private static boolean isStatic(PlacementAsk ask, int port) {
    for (int p : ask.staticPorts()) {
      if (p == port) {
        return true;
      }
    }
    return false;
  }
}
