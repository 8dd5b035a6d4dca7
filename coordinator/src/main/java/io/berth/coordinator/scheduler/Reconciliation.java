package io.berth.coordinator.scheduler;

import io.berth.proto.TaskRecord;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The reconcilers' buckets for one job: tasks kept as they are, tasks to stop, slots to place,
 * and finished history to forget. Mutable while a reconciler fills it, read-only after.
 */
final class Reconciliation {
  final List<TaskRecord> keep = new ArrayList<>();
  final Set<TaskRecord> stop = new LinkedHashSet<>();
  final List<PlacementRequest> place = new ArrayList<>();
  final List<TaskRecord> forget = new ArrayList<>();
  /** Slots whose restart waits out a backoff, as lines for the job's status. */
  final List<String> backingOff = new ArrayList<>();
  /** Slots that used up their restart attempts, as lines for the job's status. */
  final List<String> gaveUp = new ArrayList<>();
  /**
   * The earliest time (the evaluation's clock) at which these buckets could come out otherwise
   * with no change to the state: a restart's backoff ends, a task has run for min_healthy_time, a
   * cron firing is due. {@link Long#MAX_VALUE}: only a change to the state can.
   */
  long recheckAtMs = Long.MAX_VALUE;

  /** Notes a time at which the reconciliation depends on the clock. */
  void recheckAt(long atMs) {
    recheckAtMs = Math.min(recheckAtMs, atMs);
  }

  /** Adds another reconciliation's buckets (a cron run's) to this one. */
  void addAll(Reconciliation other) {
    keep.addAll(other.keep);
    stop.addAll(other.stop);
    place.addAll(other.place);
    forget.addAll(other.forget);
    backingOff.addAll(other.backingOff);
    gaveUp.addAll(other.gaveUp);
    recheckAt(other.recheckAtMs);
  }

  Set<String> stoppedIds() {
    Set<String> ids = new LinkedHashSet<>();
    for (TaskRecord t : stop) {
      ids.add(t.getId());
    }
    return ids;
  }
}
