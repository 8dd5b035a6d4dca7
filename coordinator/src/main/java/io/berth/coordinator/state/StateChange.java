package io.berth.coordinator.state;

import com.google.protobuf.MessageLite;
import io.berth.proto.JobState;
import io.berth.proto.StateOp;
import io.berth.proto.TaskRecord;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one atomic write changes, record by record: tasks put or removed one at a time, job records
 * (without their tasks) put or removed, jobs guarded against change. Made against a snapshot; the
 * store turns it into compare-and-set ops on exactly the keys it names, at the indexes that
 * snapshot saw them at, so the write applies only if none of them moved in between.
 */
public final class StateChange {
  private final Map<String, Op> ops = new LinkedHashMap<>(); // by key: the last word on a key wins

  private sealed interface Op permits Put, Delete, Guard {}

  /** {@code expectedIndex} -1: the index the snapshot the change is sent with saw. */
  private record Put(MessageLite value, long expectedIndex) implements Op {}

  private record Delete() implements Op {}

  private record Guard() implements Op {}

  /** Writes one task (its job from its own namespace and job fields). */
  public StateChange putTask(JobKey job, TaskRecord task) {
    ops.put(StateKeys.task(job, task.getId()), new Put(task, -1));
    return this;
  }

  public StateChange removeTask(JobKey job, String taskId) {
    ops.put(StateKeys.task(job, taskId), new Delete());
    return this;
  }

  /** Writes a job's record and history; its tasks are written one by one with {@link #putTask}. */
  public StateChange putJob(JobKey key, JobState job) {
    return putJob(key, job, -1);
  }

  /**
   * Writes a job's record if its last write was at {@code expectedIndex}, whatever the snapshot the
   * change is sent with says (-1: at the index that snapshot saw, as {@link #putJob(JobKey, JobState)}):
   * the next link of a chain of writes made faster than this member's replica applies them (see
   * PlanApplier).
   */
  public StateChange putJob(JobKey key, JobState job, long expectedIndex) {
    if (job.getTasksCount() > 0) {
      throw new IllegalArgumentException("a job record is written without its tasks: put them one by one");
    }
    ops.put(StateKeys.job(key), new Put(job, expectedIndex));
    return this;
  }

  /** Removes a job's record; its tasks go with {@link #removeTask}. */
  public StateChange removeJob(JobKey key) {
    ops.put(StateKeys.job(key), new Delete());
    return this;
  }

  /** The write applies only if the job's record has not changed since the snapshot (it writes nothing to it). */
  public StateChange guardJob(JobKey key) {
    ops.putIfAbsent(StateKeys.job(key), new Guard());
    return this;
  }

  /** Adds another change's ops (its word on a key wins, except that a guard never overrides a write). */
  public StateChange addAll(StateChange other) {
    other.ops.forEach((k, op) -> {
      if (op instanceof Guard) {
        ops.putIfAbsent(k, op);
      } else {
        ops.put(k, op);
      }
    });
    return this;
  }

  /** True when it would write nothing (guards alone write nothing). */
  public boolean isEmpty() {
    return ops.values().stream().allMatch(o -> o instanceof Guard);
  }

  public int size() {
    return ops.size();
  }

  /** The ops, each a compare-and-set against the index {@code basis} saw its key at. */
  List<StateOp> toOps(ClusterSnapshot basis) {
    List<StateOp> out = new ArrayList<>(ops.size());
    for (Map.Entry<String, Op> e : ops.entrySet()) {
      Op op = e.getValue();
      long expected = op instanceof Put p && p.expectedIndex() >= 0 ? p.expectedIndex() : basis.indexOf(e.getKey());
      StateOp.Builder b = StateOp.newBuilder().setKey(e.getKey()).setCheck(true).setExpectedIndex(expected);
      if (op instanceof Put p) {
        b.setValue(p.value().toByteString());
      } else if (op instanceof Delete) {
        b.setDelete(true);
      } else {
        b.setCheckOnly(true);
      }
      out.add(b.build());
    }
    return out;
  }

  /**
   * The change that turns {@code old} (as stored, null when absent) into {@code next} (a whole job,
   * null to remove it): the record when it differs, and the tasks that differ; a job record that
   * stays is guarded, so a plan or report never lands on a job that changed under it.
   */
  static StateChange between(JobKey key, JobEntry old, JobState next) {
    StateChange c = new StateChange();
    if (next == null) {
      if (old != null) {
        if (old.header() != null) {
          c.removeJob(key);
        }
        old.tasks().keySet().forEach(id -> c.removeTask(key, id));
      }
      return c;
    }
    JobState header = next.getTasksCount() == 0 ? next : next.toBuilder().clearTasks().build();
    if (old == null || old.header() == null || !old.header().equals(header)) {
      c.putJob(key, header);
    } else {
      c.guardJob(key);
    }
    java.util.Set<String> kept = new java.util.HashSet<>(next.getTasksCount() * 2);
    for (TaskRecord t : next.getTasksList()) {
      kept.add(t.getId());
      JobEntry.Indexed<TaskRecord> was = old == null ? null : old.tasks().get(t.getId());
      if (was == null || (was.value() != t && !was.value().equals(t))) {
        c.putTask(key, t);
      }
    }
    if (old != null) {
      for (String id : old.tasks().keySet()) {
        if (!kept.contains(id)) {
          c.removeTask(key, id);
        }
      }
    }
    return c;
  }
}
