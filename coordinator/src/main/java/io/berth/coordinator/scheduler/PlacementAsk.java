package io.berth.coordinator.scheduler;

import io.berth.coordinator.state.JobKey;
import io.berth.proto.GroupSpec;
import io.berth.proto.PortSpec;
import java.util.List;

/**
 * What every task of one group asks of a node, worked out once per group per plan: resources,
 * static ports, how many dynamic ports, and the compiled constraints.
 */
record PlacementAsk(
    JobKey job,
    JobType type,
    int priority,
    GroupSpec group,
    long cpuMillis,
    long memoryBytes,
    int[] staticPorts,
    int dynamicPorts,
    List<PlacementConstraint> constraints) {

  static PlacementAsk of(JobKey job, JobType type, int priority, GroupSpec group) {
    int[] statics = group.getPortsList().stream().mapToInt(PortSpec::getStaticPort).filter(p -> p > 0).toArray();
    int dynamic = (int) group.getPortsList().stream().filter(p -> p.getStaticPort() <= 0).count();
    List<PlacementConstraint> constraints =
        group.getConstraintsList().stream().map(PlacementConstraint::compile).toList();
    return new PlacementAsk(
        job,
        type,
        priority,
        group,
        Math.max(0, group.getResources().getCpuMillis()),
        Math.max(0, group.getResources().getMemoryBytes()),
        statics,
        dynamic,
        constraints);
  }
}
