package io.berth.coordinator.scheduler;

import io.berth.proto.NodeRecord;
import io.berth.proto.TaskRecord;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What one node has committed while a plan is computed: the live tasks of every job on it (less
 * those this plan stops) plus this plan's placements.
 */
final class NodeUsage {
  final NodeRecord node;
  final String name;
  long cpuMillis;
  long memoryBytes;
  /** Host ports held by live tasks and by this plan's placements (host networking). */
  final BitSet ports = new BitSet();
  /** Tasks of the job being planned on this node. */
  int jobTasks;
  final Map<String, Integer> groupTasks = new HashMap<>();
  /** Live tasks of other jobs on this node, with their reservations: what preemption may evict. */
  final List<Resident> residents = new ArrayList<>();

  NodeUsage(NodeRecord node) {
    this.node = node;
    this.name = node.getFacts().getName();
  }

  long freeMemory() {
    return node.getFacts().getMemoryBytes() - memoryBytes;
  }

  long freeCpu() {
    return node.getFacts().getCpuMillis() - cpuMillis;
  }

  int groupTasks(String group) {
    return groupTasks.getOrDefault(group, 0);
  }

  void hold(long cpu, long memory, Iterable<Integer> hostPorts) {
    cpuMillis += cpu;
    memoryBytes += memory;
    for (int p : hostPorts) {
      if (p > 0) {
        ports.set(p);
      }
    }
  }

  void release(Resident r) {
    cpuMillis -= r.cpuMillis();
    memoryBytes -= r.memoryBytes();
    for (int p : r.task().getPortsMap().values()) {
      if (p > 0) {
        ports.clear(p);
      }
    }
    residents.remove(r);
  }

  /** A live task of another job and what it reserves, with its job's priority and type. */
  record Resident(TaskRecord task, long cpuMillis, long memoryBytes, int priority, JobType type) {}
}
