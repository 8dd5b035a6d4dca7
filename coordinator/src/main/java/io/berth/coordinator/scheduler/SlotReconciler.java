package io.berth.coordinator.scheduler;

import io.berth.proto.GroupSpec;
import io.berth.proto.JobSpec;
import io.berth.proto.NodeRecord;
import io.berth.proto.NodeStatus;
import io.berth.proto.RestartPolicy;
import io.berth.proto.TaskRecord;
import io.berth.proto.TaskState;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sorts a service or batch job's tasks into buckets, slot by slot: a slot is (group, index) with
 * index in [0, count), and each slot wants exactly one live task.
 *
 * <p>A service whose group spec changed is rolled ({@link #roll}); batch tasks of an older spec
 * finish as they are, and only their replacements and new indexes use the new spec.
 *
 * <p>A service task whose health check fails is restarted like one that failed: it is replaced
 * (after the restart policy's backoff, counting attempts) and keeps running until then.
 *
 * <p>A service task on a drained (ineligible) node is migrated: its replacement is placed
 * elsewhere while it keeps running, and it is stopped once the replacement runs. Batch tasks on a
 * drained node run to completion there.
 */
final class SlotReconciler {

  private static final Pattern ATTEMPT = Pattern.compile("^attempt (\\d+)");

  private final JobType type;
  private final Map<String, NodeRecord> nodes;
  private final long nowMs;

  SlotReconciler(JobType type, Map<String, NodeRecord> nodes, long nowMs) {
    this.type = type;
    this.nodes = nodes;
    this.nowMs = nowMs;
  }

  /** A stopped or deleted job: stop whatever still wants to run, drop finished history. */
  static Reconciliation stopAll(List<TaskRecord> tasks) {
    Reconciliation r = new Reconciliation();
    for (TaskRecord t : tasks) {
      if (TaskStates.wantsRun(t)) {
        r.stop.add(t);
      } else if (TaskStates.isForgettable(t)) {
        r.forget.add(t);
      }
    }
    return r;
  }

  Reconciliation reconcile(JobSpec spec, List<TaskRecord> tasks) {
    Reconciliation r = new Reconciliation();
    Map<String, List<TaskRecord>> byGroup = new TreeMap<>();
    Set<String> groupNames = new HashSet<>();
    for (GroupSpec g : spec.getGroupsList()) {
      groupNames.add(g.getName());
    }
    for (TaskRecord t : tasks) {
      if (TaskStates.isForgettable(t)) {
        r.forget.add(t);
      } else if (!TaskStates.wantsRun(t)) {
        continue; // being stopped: the agent will report it finished
      } else if (!groupNames.contains(t.getGroup())) {
        r.stop.add(t); // its group was removed from the spec
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
    int count = Math.max(0, group.getCount());
    Map<Integer, Slot> slots = new TreeMap<>();
    for (TaskRecord t : running) {
      int index = t.getIndex();
      if (index < 0 || index >= count) {
        r.stop.add(t); // scaled down
        continue;
      }
      Slot slot = slots.computeIfAbsent(index, k -> new Slot());
      if (type.exitMeansComplete() && t.getState() == TaskState.TASK_EXITED) {
        slot.completed.add(t);
      } else if (TaskStates.isTerminal(t.getState()) || !nodeUsable(t.getNode())
          || (type == JobType.SERVICE && TaskStates.failingCheck(t))) {
        slot.replaced.add(t); // stopped below, unless its restart is still backing off
      } else if (type.movesOffDrainedNodes() && nodeDrained(t.getNode())) {
        slot.drained.add(t);
      } else {
        slot.candidates.add(t);
      }
    }
    RestartPolicy policy = group.getRestart();
    int placedBefore = r.place.size();
    int backingOffBefore = r.backingOff.size();
    Map<Integer, TaskRecord> kept = new TreeMap<>();
    for (int index = 0; index < count; index++) {
      Slot slot = slots.getOrDefault(index, new Slot());
      slot.candidates.sort(TaskStates::olderFirst);
      slot.drained.sort(TaskStates::olderFirst);
      if (!slot.completed.isEmpty()) {
        // The slot's work is done; the completed record stays, any second copy goes.
        r.keep.addAll(slot.completed);
        r.stop.addAll(slot.candidates);
        r.stop.addAll(slot.drained);
        r.stop.addAll(slot.replaced);
      } else if (!slot.candidates.isEmpty()) {
        TaskRecord keep = slot.candidates.get(0);
        r.keep.add(keep);
        kept.put(index, keep);
        r.stop.addAll(slot.candidates.subList(1, slot.candidates.size()));
        r.stop.addAll(slot.replaced);
        if (keep.getState() == TaskState.TASK_RUNNING) {
          r.stop.addAll(slot.drained); // its replacement runs: the old copy may go now
        } else {
          r.keep.addAll(slot.drained); // keep serving from the drained node until then
        }
      } else if (!slot.drained.isEmpty()) {
        // Drain: place the replacement first; the old task stops once the new one runs.
        TaskRecord old = slot.drained.get(0);
        r.keep.add(old);
        r.stop.addAll(slot.drained.subList(1, slot.drained.size()));
        r.stop.addAll(slot.replaced);
        r.place.add(new PlacementRequest(group, index, Optional.of(old), Optional.empty(), attemptOf(old),
            old.getRunAtMs(), PlacementRequest.Cause.DRAIN));
      } else {
        Optional<TaskRecord> previous = slot.replaced.stream().max(TaskStates::olderFirst);
        if (previous.isPresent() && RestartBackoff.gaveUp(previous.get(), policy)) {
          // The failed record stays as the slot's outcome.
          r.keep.addAll(slot.replaced);
          r.gaveUp.add(group.getName() + "[" + index + "]: gave up after " + attemptOf(previous.get())
              + " attempts (restart mode fail), " + (TaskStates.failingCheck(previous.get())
                  ? "still running, unhealthy" : "last exit code " + previous.get().getExitCode()));
          continue;
        }
        long backoffMs = previous.isPresent() ? RestartBackoff.remainingMs(previous.get(), policy, nowMs) : 0;
        if (backoffMs > 0) {
          // Keep the failed record as the slot's history until its restart is due.
          r.keep.addAll(slot.replaced);
          r.backingOff.add(group.getName() + "[" + index + "]: restarting in " + backoffMs + " ms (attempt "
              + (attemptOf(previous.get()) + 1) + ")");
          r.recheckAt(nowMs + backoffMs);
          continue;
        }
        r.stop.addAll(slot.replaced);
        int attempt = previous.map(p -> attemptOf(p) + 1).orElse(1);
        r.place.add(new PlacementRequest(group, index, previous, Optional.empty(), attempt));
      }
    }
    if (type == JobType.SERVICE) {
      int busy = (r.place.size() - placedBefore) + (r.backingOff.size() - backingOffBefore);
      roll(group, kept, busy, r);
    }
  }

  /** A rolling update of the group's kept tasks ({@link RollingUpdate}): stop and replace in place. */
  private void roll(GroupSpec group, Map<Integer, TaskRecord> kept, int busy, Reconciliation r) {
    r.recheckAt(RollingUpdate.recheckAtMs(group, kept.values(), nowMs));
    for (TaskRecord old : RollingUpdate.toReplace(group, kept.values(), busy, nowMs)) {
      r.keep.remove(old);
      r.stop.add(old);
      r.place.add(new PlacementRequest(group, old.getIndex(), Optional.of(old), Optional.empty(), 1, 0,
          PlacementRequest.Cause.UPDATE));
    }
  }

  private boolean nodeDrained(String node) {
    NodeRecord n = nodes.get(node);
    return n != null && n.getIneligible();
  }

  /** A task on a node that is down or gone is lost, whatever its last reported state. */
  private boolean nodeUsable(String node) {
    NodeRecord n = nodes.get(node);
    return n != null && n.getStatus() != NodeStatus.NODE_DOWN;
  }

  static int attemptOf(TaskRecord t) {
    if (t.getAttempt() > 0) {
      return t.getAttempt();
    }
    Matcher m = ATTEMPT.matcher(t.getMessage());
    if (m.find()) {
      try {
        return Integer.parseInt(m.group(1));
      } catch (NumberFormatException e) {
        return 1;
      }
    }
    return 1;
  }

  private static final class Slot {
    final List<TaskRecord> candidates = new ArrayList<>();
    final List<TaskRecord> completed = new ArrayList<>();
    final List<TaskRecord> replaced = new ArrayList<>();
    final List<TaskRecord> drained = new ArrayList<>();
  }
}
