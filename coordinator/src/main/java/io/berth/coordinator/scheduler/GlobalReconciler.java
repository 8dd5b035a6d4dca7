package io.berth.coordinator.scheduler;

import io.berth.proto.GroupSpec;
import io.berth.proto.JobSpec;
import io.berth.proto.NodeRecord;
import io.berth.proto.NodeStatus;
import io.berth.proto.TaskRecord;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiPredicate;

/**
 * Sorts a global job's tasks: one live task per group on every node the group can run on (ready,
 * eligible, matching its node constraints); {@code count} is ignored. A new task takes the lowest
 * index no other live task of its group holds, so indexes stay stable as nodes come and go.
 *
 * <p>Tasks on a drained (ineligible) node are stopped. A changed group spec is rolled node by node
 * ({@link RollingUpdate}). Not yet done: tasks on a node that stopped
 * matching a constraint keep running.
 */
final class GlobalReconciler {

  private final Map<String, NodeRecord> nodes;
  private final BiPredicate<GroupSpec, NodeRecord> targetable;
  private final long nowMs;

  GlobalReconciler(Map<String, NodeRecord> nodes, BiPredicate<GroupSpec, NodeRecord> targetable, long nowMs) {
    this.nodes = nodes;
    this.targetable = targetable;
    this.nowMs = nowMs;
  }

  Reconciliation reconcile(JobSpec spec, List<TaskRecord> tasks) {
    Reconciliation r = new Reconciliation();
    Set<String> groupNames = new HashSet<>();
    for (GroupSpec g : spec.getGroupsList()) {
      groupNames.add(g.getName());
    }
    Map<String, List<TaskRecord>> byGroup = new TreeMap<>();
    for (TaskRecord t : tasks) {
      if (TaskStates.isForgettable(t)) {
        r.forget.add(t);
      } else if (!TaskStates.wantsRun(t)) {
        continue;
      } else if (!groupNames.contains(t.getGroup())) {
        r.stop.add(t);
      } else {
        byGroup.computeIfAbsent(t.getGroup(), k -> new ArrayList<>()).add(t);
      }
    }
    for (GroupSpec g : spec.getGroupsList()) {
      reconcileGroup(g, byGroup.getOrDefault(g.getName(), List.of()), r);
    }
    return r;
  }

  private void reconcileGroup(GroupSpec group, List<TaskRecord> running, Reconciliation r) {
    Map<String, List<TaskRecord>> candidatesByNode = new TreeMap<>();
    Map<String, TaskRecord> replacedByNode = new TreeMap<>();
    for (TaskRecord t : running) {
      NodeRecord n = nodes.get(t.getNode());
      if (TaskStates.isTerminal(t.getState()) || TaskStates.failingCheck(t) || n == null
          || n.getStatus() == NodeStatus.NODE_DOWN) {
        r.stop.add(t);
        replacedByNode.merge(t.getNode(), t, (a, b) -> TaskStates.olderFirst(a, b) >= 0 ? a : b);
      } else if (n.getIneligible()) {
        r.stop.add(t); // drained: a global task has nowhere else to go
      } else {
        candidatesByNode.computeIfAbsent(t.getNode(), k -> new ArrayList<>()).add(t);
      }
    }
    BitSet usedIndexes = new BitSet();
    List<TaskRecord> keptTasks = new ArrayList<>();
    for (List<TaskRecord> onNode : candidatesByNode.values()) {
      onNode.sort(TaskStates::olderFirst);
      TaskRecord kept = onNode.get(0);
      r.keep.add(kept);
      keptTasks.add(kept);
      usedIndexes.set(Math.max(0, kept.getIndex()));
      r.stop.addAll(onNode.subList(1, onNode.size()));
    }
    int placedBefore = r.place.size();
    for (NodeRecord n : nodes.values()) {
      String name = n.getFacts().getName();
      if (candidatesByNode.containsKey(name) || !targetable.test(group, n)) {
        continue;
      }
      int index = usedIndexes.nextClearBit(0);
      usedIndexes.set(index);
      Optional<TaskRecord> previous = Optional.ofNullable(replacedByNode.get(name));
      int attempt = previous.map(p -> SlotReconciler.attemptOf(p) + 1).orElse(1);
      r.place.add(new PlacementRequest(group, index, previous, Optional.of(name), attempt));
    }
    // A changed spec rolls node by node, replacing each task on its own node.
    r.recheckAt(RollingUpdate.recheckAtMs(group, keptTasks, nowMs));
    for (TaskRecord old : RollingUpdate.toReplace(group, keptTasks, r.place.size() - placedBefore, nowMs)) {
      r.keep.remove(old);
      r.stop.add(old);
      r.place.add(new PlacementRequest(group, old.getIndex(), Optional.of(old), Optional.of(old.getNode()), 1, 0,
          PlacementRequest.Cause.UPDATE));
    }
  }
}
