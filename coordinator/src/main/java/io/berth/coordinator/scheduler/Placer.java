package io.berth.coordinator.scheduler;

import io.berth.proto.DesiredState;
import io.berth.proto.TaskRecord;
import io.berth.proto.TaskState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Places one task at a time: filters nodes through {@link NodeFeasibility}, picks the best with
 * the {@link NodeRanker}, assigns host ports and records the placement in the usage so the next
 * placement of the plan sees it. When no node fits, the {@link Preemptor} may evict lower-priority
 * batch tasks of other jobs; failures and evictions go to {@link PlacementFailures}.
 */
final class Placer {

  private final ClusterUsage usage;
  private final NodeFeasibility feasibility;
  private final NodeRanker ranker;
  private final PortAllocator ports;
  private final PlacementFailures failures;
  private final Preemptor preemptor;
  private final IdGenerator ids;
  private final List<TaskRecord> evicted = new ArrayList<>();
  private final Map<String, String> fingerprints = new HashMap<>();
  private final long jobVersion;
  private final long nowMs;
  private final CandidateWindow window;

  Placer(
      ClusterUsage usage,
      NodeFeasibility feasibility,
      NodeRanker ranker,
      PortAllocator ports,
      PlacementFailures failures,
      Preemptor preemptor,
      IdGenerator ids,
      long jobVersion,
      long nowMs,
      long seed) {
    this.window = new CandidateWindow(usage.nodes(), seed);
    this.usage = usage;
    this.feasibility = feasibility;
    this.ranker = ranker;
    this.ports = ports;
    this.failures = failures;
    this.preemptor = preemptor;
    this.ids = ids;
    this.jobVersion = jobVersion;
    this.nowMs = nowMs;
  }

  Optional<TaskRecord> place(PlacementAsk ask, PlacementRequest request) {
    String group = ask.group().getName();
    failures.wanted(group);
    boolean global = request.targetNode().isPresent();
    if (!global && failures.hasFailed(group)) {
      // Every task of a group asks the same, and nothing was freed since the last one failed.
      failures.failedLikePrevious(group);
      return Optional.empty();
    }
    CandidateWindow window = global
        ? new CandidateWindow(Optional.ofNullable(usage.node(request.targetNode().get())).map(List::of)
            .orElse(List.of()), 0)
        : this.window;
    List<NodeUsage> candidates = window.all();
    NodeUsage best = null;
    Map<Rejection, Integer> rejections = null;
    int examined = 0;
    for (int feasible = 0; examined < window.size() && feasible < window.feasibleWanted(); examined++) {
      NodeUsage n = window.fromCursor(examined);
      Rejection r = feasibility.firstRejection(ask, n, usage);
      if (r != null) {
        if (rejections == null) {
          rejections = new HashMap<>();
        }
        rejections.merge(r, 1, Integer::sum);
      } else {
        feasible++;
        if (best == null || ranker.compare(ask, n, best, usage) < 0) {
          best = n;
        }
      }
    }
    window.advance(examined);
    if (best == null) {
      Optional<Preemptor.Eviction> eviction = preemptor.cheapest(ask, candidates, usage);
      if (eviction.isPresent()) {
        return Optional.of(commitAfterEviction(ask, request, eviction.get()));
      }
      failures.failed(group, candidates.size(), rejections == null ? Map.of() : rejections, global);
      return Optional.empty();
    }
    return Optional.of(commit(ask, request, best));
  }

  /** Tasks of other jobs this plan evicts to make room (their ids go into the plan's stops). */
  List<TaskRecord> evicted() {
    return evicted;
  }

  private TaskRecord commitAfterEviction(PlacementAsk ask, PlacementRequest request, Preemptor.Eviction e) {
    for (NodeUsage.Resident victim : e.victims()) {
      e.node().release(victim);
      evicted.add(victim.task());
    }
    Rejection still = feasibility.firstRejection(ask, e.node(), usage);
    if (still != null) {
      throw new IllegalStateException(
          "preemption on " + e.node().name + " left the task infeasible: " + still.reason());
    }
    TaskRecord placed = commit(ask, request, e.node());
    StringBuilder victims = new StringBuilder();
    for (NodeUsage.Resident v : e.victims()) {
      victims.append(victims.length() == 0 ? "" : ", ").append(v.task().getId())
          .append(" (").append(v.task().getNamespace()).append('/').append(v.task().getJob())
          .append(", priority ").append(v.priority()).append(')');
    }
    failures.note("preempted on " + e.node().name + " for " + placed.getId() + " (priority " + ask.priority()
        + "): " + victims);
    return placed;
  }

  /** Builds the task for the chosen node and charges the node for it. */
  TaskRecord commit(PlacementAsk ask, PlacementRequest request, NodeUsage node) {
    Map<String, Integer> hostPorts = ports.assign(ask, node);
    usage.place(node, ask, hostPorts);
    String group = ask.group().getName();
    return TaskRecord.newBuilder()
        .setId(ask.job().name() + "-" + group + "-" + request.index() + "-" + ids.next())
        .setNamespace(ask.job().namespace())
        .setJob(ask.job().name())
        .setGroup(group)
        .setIndex(request.index())
        .setNode(node.name)
        .setJobVersion(jobVersion)
        .setDesired(DesiredState.DESIRED_RUN)
        .setState(TaskState.TASK_PENDING)
        .setMessage(request.message())
        .setAttempt(request.attempt())
        .setRunAtMs(request.runAtMs())
        .setGroupSpecHash(fingerprints.computeIfAbsent(group, g -> GroupFingerprint.of(ask.group())))
        .addAllEarlierExitCodes(request.earlierExitCodes())
        .putAllPorts(hostPorts)
        .setCreatedAtMs(nowMs)
        .setUpdatedAtMs(nowMs)
        .build();
  }
}
