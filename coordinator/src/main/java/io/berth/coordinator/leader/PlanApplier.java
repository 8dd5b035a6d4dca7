package io.berth.coordinator.leader;

import io.berth.coordinator.scheduler.Plan;
import io.berth.coordinator.state.ClusterSnapshot;
import io.berth.coordinator.state.ClusterStore;
import io.berth.coordinator.state.JobKey;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.TreeMap;
import io.berth.proto.DesiredState;
import io.berth.proto.JobState;
import io.berth.proto.TaskRecord;
import java.util.HashSet;
import java.util.Set;

/**
 * Commits a plan as one atomic write (one Raft log entry): its job, and the other jobs it
 * preempts tasks of. A plan computed against an older job version is rejected whole (the job
 * changed under it: the next evaluation plans again).
 */
final class PlanApplier {
  private final ClusterStore store;

  PlanApplier(ClusterStore store) {
    this.store = store;
  }

  /**
   * Writes the plan's job and the jobs it preempts tasks of, together.
   *
   * @return the state version of the write, or -1 when the plan was rejected or empty
   */
  long apply(Plan plan, ClusterSnapshot basis) {
    if (plan.isEmpty()) {
      return -1;
    }
    Map<JobKey, Set<String>> evictions = new TreeMap<>();
    for (String id : plan.stop()) {
      basis.jobOfTask(id).filter(k -> !k.equals(plan.job()))
          .ifPresent(k -> evictions.computeIfAbsent(k, x -> new HashSet<>()).add(id));
    }
    Map<JobKey, UnaryOperator<JobState>> changes = new LinkedHashMap<>();
    for (Map.Entry<JobKey, Set<String>> e : evictions.entrySet()) {
      changes.put(e.getKey(), old -> stopTasks(old, e.getValue()));
    }
    changes.put(plan.job(), old -> merge(old, plan));
    return store.updateJobs(changes);
  }

  private static JobState stopTasks(JobState old, Set<String> ids) {
    if (old == null) {
      return null;
    }
    JobState.Builder b = old.toBuilder();
    boolean changed = false;
    for (int i = 0; i < b.getTasksCount(); i++) {
      TaskRecord t = b.getTasks(i);
      if (ids.contains(t.getId()) && t.getDesired() != DesiredState.DESIRED_STOP) {
        b.setTasks(i, t.toBuilder().setDesired(DesiredState.DESIRED_STOP).setMessage("preempted").build());
        changed = true;
      }
    }
    return changed ? b.build() : old;
  }

  static JobState merge(JobState old, Plan plan) {
    if (old == null || old.getJob().getVersion() != plan.jobVersion()) {
      return old;
    }
    Set<String> stop = new HashSet<>(plan.stop());
    Set<String> forget = new HashSet<>(plan.forget());
    JobState.Builder b = old.toBuilder().clearTasks();
    Set<String> present = new HashSet<>();
    for (TaskRecord t : old.getTasksList()) {
      present.add(t.getId());
      if (forget.contains(t.getId())) {
        continue;
      }
      if (stop.contains(t.getId()) && t.getDesired() != DesiredState.DESIRED_STOP) {
        b.addTasks(t.toBuilder().setDesired(DesiredState.DESIRED_STOP).build());
      } else {
        b.addTasks(t);
      }
    }
    for (TaskRecord t : plan.place()) {
      if (!present.contains(t.getId())) {
        b.addTasks(t);
      }
    }
    plan.applyJobChange(old, b);
    JobState next = b.build();
    return next.equals(old) ? old : next;
  }
}
