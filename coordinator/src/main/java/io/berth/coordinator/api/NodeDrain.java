package io.berth.coordinator.api;

import io.berth.coordinator.state.ClusterSnapshot;
import io.berth.proto.JobState;
import io.berth.proto.TaskRecord;

/**
 * `berth node drain` / `berth node eligible`: flips the node's {@code ineligible} flag. Nothing
 * else is written here: the scheduler stops placing on an ineligible node and moves its service
 * and global tasks away (replacement first, then the old copy stops).
 */
final class NodeDrain {
  private NodeDrain() {}

  /** Service and global tasks still desired on the node: what a drain has left to move. */
  static int tasksToMove(ClusterSnapshot s, String node) {
    int n = 0;
    for (java.util.Map.Entry<io.berth.coordinator.state.JobKey, JobState> job : s.jobHeaders().entrySet()) {
      JobState js = job.getValue();
      String type = js.getJob().getSpec().getType();
      if (!(type.isEmpty() || type.equals("service") || type.equals("global"))) {
        continue;
      }
      for (TaskRecord t : s.tasksOf(job.getKey())) {
        if (t.getNode().equals(node) && t.getDesired() == io.berth.proto.DesiredState.DESIRED_RUN) {
          n++;
        }
      }
    }
    return n;
  }
}
