/**
 * The scheduler: {@link io.berth.coordinator.scheduler.Scheduler#schedule} is a pure function of
 * an {@link io.berth.coordinator.scheduler.Evaluation} and a
 * {@link io.berth.coordinator.state.ClusterSnapshot} (plus the injected
 * {@link io.berth.coordinator.scheduler.IdGenerator}) to a {@link io.berth.coordinator.scheduler.Plan}.
 *
 * <p>Pipeline, after Nomad's scheduler: {@code SlotReconciler} / {@code GlobalReconciler} sort a
 * job's tasks into keep / stop / place / forget; {@code ClusterUsage} charges every node with the
 * live tasks that stay; {@code Placer} runs each placement through {@code NodeFeasibility} (ready,
 * constraints, {@code PortAllocator}, memory, cpu), picks a node with a {@code NodeRanker} (spread
 * for service and global, bin-pack for batch), falls back to {@code Preemptor} (evict lower-priority
 * batch tasks) and reports shortfalls through {@code PlacementFailures}.
 *
 * <p>Not done yet: rolling updates (tasks of an older job version keep running; only new slots
 * and replacements use the new spec), moving tasks off drained (ineligible) or unhealthy nodes,
 * restart/retry policies beyond an attempt count in the task message, cron jobs.
 *
 * <p>For the plan applier: {@code Plan.stop} may name tasks of other jobs (preemption victims,
 * each listed in a "preempted on ..." line of {@code Plan.failures}).
 */
package io.berth.coordinator.scheduler;
