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

  Set<String> stoppedIds() {
    Set<String> ids = new LinkedHashSet<>();
    for (TaskRecord t : stop) {
      ids.add(t.getId());
    }
    return ids;
  }
}
