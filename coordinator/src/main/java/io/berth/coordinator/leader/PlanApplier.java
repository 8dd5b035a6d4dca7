package io.berth.coordinator.leader;

import io.berth.coordinator.scheduler.Plan;
import io.berth.coordinator.state.ClusterSnapshot;
import io.berth.coordinator.state.ClusterStore;
import io.berth.coordinator.state.JobKey;
import io.berth.coordinator.state.StateChange;
import io.berth.proto.DesiredState;
import io.berth.proto.JobState;
import io.berth.proto.TaskRecord;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Commits a plan: its placements, stops and forgets task by task, the change to its job record,
 * and the stops of tasks of other jobs it preempts, as one atomic write (one Raft log entry) that
 * writes those records alone. A plan placing more tasks than one log entry holds is committed in
 * several writes.
 *
 * <p>The parts of a plan are chained on the job's record: each part rewrites it, as a
 * compare-and-set at the index the previous link left it at (for the first part: the index the
 * plan's basis saw). So a plan whose basis lacks another plan's part for the same job is rejected
 * whole, and a later part that meets another plan's write is dropped; the next evaluation plans
 * what is missing. Without the chain a part whose write timed out but committed, or a deposed
 * leader's part, and a plan made again without it could both land: a bench job once held 4,000
 * tasks more than it asked for.
 */
final class PlanApplier {
  /** Placements per write: ~4,000 task records stay well under the log's 4 MiB entries. */
  static final int PLACEMENTS_PER_WRITE = 4_000;

  private final ClusterStore store;

  PlanApplier(ClusterStore store) {
    this.store = store;
  }

  /**
   * Writes the plan.
   *
   * @return the state version of the (last) write, or -1 when the plan was rejected or wrote nothing
   */
  long apply(Plan plan, ClusterSnapshot basis) {
    if (plan.isEmpty()) {
      return -1;
    }
    Map<String, JobKey> evictions = new TreeMap<>();
    for (String id : plan.stop()) {
      basis.jobOfTask(id).filter(k -> !k.equals(plan.job())).ifPresent(k -> evictions.put(id, k));
    }
    List<TaskRecord> place = plan.place();
    int first = Math.min(place.size(), PLACEMENTS_PER_WRITE);
    long basisIndex = basis.jobRecordIndex(plan.job());
    long version = store.update(s -> firstPart(s, basisIndex, plan, evictions, place.subList(0, first)));
    if (version < 0 || first == place.size()) {
      return version;
    }
    // What the first part wrote: the basis's record, at the index the first part found it at.
    JobState header = headerAfter(plan, basis.jobWithoutTasks(plan.job()).orElseThrow());
    for (int from = first; from < place.size(); from += PLACEMENTS_PER_WRITE) {
      List<TaskRecord> part = place.subList(from, Math.min(place.size(), from + PLACEMENTS_PER_WRITE));
      long previous = version;
      long v = store.update(s -> placements(s, previous, header, plan, part));
      if (v < 0) {
        break;
      }
      version = v;
    }
    return version;
  }

  /**
   * The job record's change (rewritten even when it stays, to link the chain), the stops and
   * forgets, the preemptions and the first placements; nothing when the job's record moved since
   * the plan's basis ({@code basisIndex}).
   */
  static StateChange firstPart(ClusterSnapshot s, long basisIndex, Plan plan, Map<String, JobKey> evictions,
      List<TaskRecord> place) {
    StateChange c = new StateChange();
    JobKey key = plan.job();
    Optional<JobState> header = s.jobWithoutTasks(key);
    if (header.isEmpty() || s.jobRecordIndex(key) != basisIndex
        || header.get().getJob().getVersion() != plan.jobVersion()) {
      return c; // rejected: a job write or another plan's part landed since the plan's basis
    }
    Set<String> forget = new HashSet<>(plan.forget());
    for (String id : forget) {
      if (s.task(key, id).isPresent()) {
        c.removeTask(key, id);
      }
    }
    for (String id : plan.stop()) {
      JobKey owner = evictions.getOrDefault(id, key);
      s.task(owner, id).filter(t -> t.getDesired() != DesiredState.DESIRED_STOP && !forget.contains(id))
          .ifPresent(t -> {
            TaskRecord.Builder b = t.toBuilder().setDesired(DesiredState.DESIRED_STOP);
            if (!owner.equals(key)) {
              b.setMessage("preempted");
            }
            c.putTask(owner, b.build());
          });
    }
    addPlacements(s, key, place, c);
    JobState nextHeader = headerAfter(plan, header.get());
    if (!c.isEmpty() || !nextHeader.equals(header.get())) {
      c.putJob(key, nextHeader); // a plan that would change nothing writes nothing
    }
    return c;
  }

  /** The job's record as the plan leaves it. */
  static JobState headerAfter(Plan plan, JobState header) {
    JobState.Builder next = header.toBuilder();
    plan.applyJobChange(header, next);
    return next.build();
  }

  /**
   * A later part of a large plan: placements, and the job record rewritten as the first part left
   * it ({@code header}) as a compare-and-set at {@code previousIndex}, where the previous part wrote
   * it. Made on whatever state this member's replica has (it need not have applied the previous
   * part yet); nothing when that state already shows another write to the record.
   */
  static StateChange placements(ClusterSnapshot s, long previousIndex, JobState header, Plan plan,
      List<TaskRecord> place) {
    StateChange c = new StateChange();
    if (s.version() >= previousIndex && s.jobRecordIndex(plan.job()) != previousIndex) {
      return c;
    }
    c.putJob(plan.job(), header, previousIndex);
    addPlacements(s, plan.job(), place, c);
    return c;
  }

  private static void addPlacements(ClusterSnapshot s, JobKey key, List<TaskRecord> place, StateChange c) {
    for (TaskRecord t : place) {
      if (s.task(key, t.getId()).isEmpty()) {
        c.putTask(key, t);
      }
    }
  }
}
