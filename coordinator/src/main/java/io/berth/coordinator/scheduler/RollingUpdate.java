package io.berth.coordinator.scheduler;

import io.berth.proto.GroupSpec;
import io.berth.proto.TaskHealth;
import io.berth.proto.TaskRecord;
import io.berth.proto.TaskState;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Which of a group's kept tasks an update replaces now: tasks placed from an older spec of the
 * group (another {@link GroupFingerprint}), at most {@code max_parallel} in flight, counting the
 * group's tasks of the current spec that are not healthy yet (not running for
 * {@code min_healthy_time}, or not passing the group's health check) and the slots being (re)placed or backing off. A new task that keeps
 * failing therefore halts the update where it is.
 */
final class RollingUpdate {
  static final long DEFAULT_MIN_HEALTHY_MS = 5000;
  static final long DEFAULT_HEALTHY_DEADLINE_MS = 5 * 60_000;

  private RollingUpdate() {}

  static long minHealthyMs(GroupSpec group) {
    return group.hasUpdate() ? group.getUpdate().getMinHealthyTimeMs() : DEFAULT_MIN_HEALTHY_MS;
  }

  /** How long after its placement a task of a new spec has to become healthy before the update fails. */
  static long healthyDeadlineMs(GroupSpec group) {
    long d = group.hasUpdate() ? group.getUpdate().getHealthyDeadlineMs() : 0;
    return d > 0 ? d : Math.max(DEFAULT_HEALTHY_DEADLINE_MS, minHealthyMs(group) + 60_000);
  }

  /**
   * Running for {@code min_healthy_time} and, when the group has a health check, passing it. The
   * agent's health reports leave {@code updated_at_ms} alone, so it still says when the task started
   * running.
   */
  static boolean healthy(TaskRecord t, GroupSpec group, long nowMs) {
    return t.getState() == TaskState.TASK_RUNNING
        && nowMs - t.getUpdatedAtMs() >= minHealthyMs(group)
        && (!group.hasHealthCheck() || t.getHealth() == TaskHealth.HEALTH_HEALTHY);
  }

  /**
   * When a task that is running and passing its check (if any) turns healthy by time alone:
   * {@code min_healthy_time} after it started running; {@link Long#MAX_VALUE} for any other task.
   */
  static long healthyByTimeAtMs(TaskRecord t, GroupSpec group) {
    if (t.getState() != TaskState.TASK_RUNNING
        || (group.hasHealthCheck() && t.getHealth() != TaskHealth.HEALTH_HEALTHY)) {
      return Long.MAX_VALUE;
    }
    return t.getUpdatedAtMs() + minHealthyMs(group);
  }

  /**
   * While the group has outdated tasks, the first time after {@code nowMs} at which one of its
   * current tasks turns healthy by time alone, freeing room for the next replacement.
   */
  static long recheckAtMs(GroupSpec group, Collection<TaskRecord> kept, long nowMs) {
    String current = GroupFingerprint.of(group);
    boolean rolling = false;
    long next = Long.MAX_VALUE;
    for (TaskRecord t : kept) {
      if (!t.getGroupSpecHash().isEmpty() && !t.getGroupSpecHash().equals(current)) {
        rolling = true;
      } else {
        long at = healthyByTimeAtMs(t, group);
        if (at > nowMs) {
          next = Math.min(next, at);
        }
      }
    }
    return rolling ? next : Long.MAX_VALUE;
  }

  /** The outdated tasks to replace in this plan, in the order given. */
  static List<TaskRecord> toReplace(GroupSpec group, Collection<TaskRecord> kept, int busy, long nowMs) {
    String current = GroupFingerprint.of(group);
    int maxParallel = group.hasUpdate() && group.getUpdate().getMaxParallel() > 0 ? group.getUpdate().getMaxParallel() : 1;
    List<TaskRecord> outdated = new ArrayList<>();
    int unhealthy = 0;
    for (TaskRecord t : kept) {
      if (!t.getGroupSpecHash().isEmpty() && !t.getGroupSpecHash().equals(current)) {
        outdated.add(t); // tasks from before fingerprints (empty) are left alone
      } else if (!healthy(t, group, nowMs)) {
        unhealthy++;
      }
    }
    int budget = Math.max(0, maxParallel - unhealthy - busy);
    return outdated.subList(0, Math.min(budget, outdated.size()));
  }
}
