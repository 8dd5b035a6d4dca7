package io.berth.coordinator.scheduler;

import io.berth.coordinator.state.ClusterSnapshot;
import io.berth.coordinator.state.JobKey;
import io.berth.proto.GroupSpec;
import io.berth.proto.JobRecord;
import io.berth.proto.JobSpec;
import io.berth.proto.JobState;
import io.berth.proto.JobStatus;
import io.berth.proto.TaskRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Plans one job against one snapshot: a pure function of (evaluation, snapshot) and the injected
 * ids. The pipeline: reconcile the job's tasks into keep/stop/place/forget buckets
 * ({@link SlotReconciler}, {@link GlobalReconciler}), then place each missing slot through
 * feasibility ({@link NodeFeasibility}, {@link PortAllocator}), ranking ({@link NodeRanker}) and
 * failure accounting ({@link PlacementFailures}). Cron jobs are reconciled run by run
 * ({@link CronReconciler}), deciding from the evaluation's clock whether a firing is due.
 */
public final class Scheduler {
  public static final int DEFAULT_DYNAMIC_PORT_MIN = 20000;
  public static final int DEFAULT_DYNAMIC_PORT_MAX = 32767;

  private final IdGenerator ids;
  private final PortAllocator ports;
  private final Preemptor preemptor;

  public Scheduler(IdGenerator ids) {
    this(ids, DEFAULT_DYNAMIC_PORT_MIN, DEFAULT_DYNAMIC_PORT_MAX);
  }

  public Scheduler(IdGenerator ids, int dynamicPortMin, int dynamicPortMax) {
    this.ids = ids;
    this.ports = new PortAllocator(dynamicPortMin, dynamicPortMax); // rejects a bad range
    this.preemptor = new Preemptor(dynamicPortMin, dynamicPortMax);
  }

  public Plan schedule(Evaluation eval, ClusterSnapshot snapshot) {
    JobKey key = eval.job();
    Optional<JobState> state = snapshot.job(key);
    if (state.isEmpty()) {
      // A deleted job's tasks went with its JobState: there is nothing left to stop.
      return new Plan(key, 0, List.of(), List.of(), List.of(), List.of());
    }
    JobRecord job = state.get().getJob();
    JobSpec spec = job.getSpec();
    List<TaskRecord> tasks = state.get().getTasksList();
    if (job.getStatus() == JobStatus.JOB_STOPPED) {
      return toPlan(key, job.getVersion(), SlotReconciler.stopAll(tasks), List.of(), List.of());
    }
    Optional<JobType> type = JobType.parse(spec.getType());
    if (type.isEmpty()) {
      return new Plan(key, job.getVersion(), List.of(), List.of(), List.of(),
          List.of("unknown job type '" + spec.getType() + "': expected service, global, batch or cron"));
    }
    Map<String, PlacementAsk> asks = new HashMap<>();
    for (GroupSpec g : spec.getGroupsList()) {
      asks.put(g.getName(), PlacementAsk.of(key, type.get(), spec.getPriority(), g));
    }
    Reconciliation r =
        switch (type.get()) {
          case GLOBAL -> new GlobalReconciler(
                  snapshot.nodes(), (g, n) -> NodeFeasibility.targetable(asks.get(g.getName()), n), eval.nowMs())
              .reconcile(spec, tasks);
          case CRON -> new CronReconciler(snapshot.nodes(), eval.nowMs()).reconcile(job, tasks);
          default -> new SlotReconciler(type.get(), snapshot.nodes(), eval.nowMs()).reconcile(spec, tasks);
        };

    PlacementFailures failures = new PlacementFailures();
    List<TaskRecord> placed = r.place.isEmpty()
        ? List.of() // usage reads every task of every job: a job with nothing to place skips it
        : placeAll(eval, snapshot, job.getVersion(), type.get(), asks, r, failures);
    List<String> lines = new ArrayList<>(failures.lines());
    lines.addAll(r.backingOff);
    lines.addAll(r.gaveUp);
    UpdateWatch.Verdict verdict =
        type.get() == JobType.SERVICE ? UpdateWatch.judge(state.get(), eval.nowMs()) : UpdateWatch.Verdict.NONE;
    verdict.line().ifPresent(lines::add);
    if (verdict.revert().isPresent()) {
      // The reverted version is planned by the next evaluation; this plan only writes it.
      return new Plan(key, job.getVersion(), List.of(), List.of(), List.of(), lines, false, verdict.revert(),
          Long.MAX_VALUE);
    }
    Plan p = toPlan(key, job.getVersion(), r, placed, lines);
    return new Plan(key, p.jobVersion(), p.place(), p.stop(), p.forget(), p.failures(), verdict.markStable(),
        Optional.empty(), Math.min(r.recheckAtMs, verdict.recheckAtMs()));
  }

  /**
   * Places the reconciliation's missing slots against every node's usage; preemption victims
   * (tasks of other jobs, found by id by the plan applier) join its stops.
   */
  private List<TaskRecord> placeAll(Evaluation eval, ClusterSnapshot snapshot, long jobVersion, JobType type,
      Map<String, PlacementAsk> asks, Reconciliation r, PlacementFailures failures) {
    ClusterUsage usage = ClusterUsage.of(snapshot, eval.job(), r.stoppedIds());
    Placer placer =
        new Placer(
            usage,
            new NodeFeasibility(ports),
            NodeRanker.forType(type),
            ports,
            failures,
            preemptor,
            ids,
            jobVersion,
            eval.nowMs(),
            eval.id().hashCode());
    List<TaskRecord> placed = new ArrayList<>();
    for (PlacementRequest req : r.place) {
      placer.place(asks.get(req.group().getName()), req).ifPresent(placed::add);
    }
    r.stop.addAll(placer.evicted());
    return placed;
  }

  private static Plan toPlan(
      JobKey key, long version, Reconciliation r, List<TaskRecord> placed, List<String> failures) {
    List<String> forget = r.forget.stream().map(TaskRecord::getId).toList();
    return new Plan(key, version, placed, new ArrayList<>(r.stoppedIds()), forget, failures);
  }
}
