package io.berth.bench;

import io.berth.coordinator.state.ClusterSnapshot;
import io.berth.coordinator.state.JobKey;
import io.berth.coordinator.zone.ClusterZone;
import io.berth.coordinator.zone.TaskNames;
import io.berth.proto.DesiredState;
import io.berth.proto.GroupSpec;
import io.berth.proto.JobRecord;
import io.berth.proto.JobSpec;
import io.berth.proto.JobState;
import io.berth.proto.NodeFacts;
import io.berth.proto.NodeRecord;
import io.berth.proto.NodeStatus;
import io.berth.proto.TaskRecord;
import io.berth.proto.TaskState;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * CPU time of one DNS zone rebuild ({@link ClusterZone} from a cluster state), the work every
 * coordinator repeats after its state changes: N nodes and M running tasks of one job, shaped as
 * ScaleBench's (one group, no ports). The baseline in the same run is the rebuild of the nodes
 * alone, so the figure that matters, per task, is the difference divided by the tasks.
 *
 * <p>Usage: {@code ZoneBuildBench [nodes] [tasks] [rounds]} (default 10000 100000 7).
 */
public final class ZoneBuildBench {
  private ZoneBuildBench() {}

  public static void main(String[] args) {
    int nodes = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    int tasks = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 7;
    Map<String, NodeRecord> nodeRecords = new TreeMap<>();
    for (int i = 0; i < nodes; i++) {
      String name = String.format("hollow-%05d", i);
      nodeRecords.put(name, NodeRecord.newBuilder().setStatus(NodeStatus.NODE_READY)
          .setFacts(NodeFacts.newBuilder().setName(name)
              .setAddress("10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255)))
          .build());
    }
    JobState.Builder job = JobState.newBuilder().setJob(JobRecord.newBuilder().setVersion(1)
        .setSpec(JobSpec.newBuilder().setName("bench").setNamespace("default")
            .addGroups(GroupSpec.newBuilder().setName("t").setCount(tasks).setImage("hollow"))));
    List<String> names = List.copyOf(nodeRecords.keySet());
    for (int i = 0; i < tasks; i++) {
      job.addTasks(TaskRecord.newBuilder().setId("bench-t-" + i + "-x").setNamespace("default").setJob("bench")
          .setGroup("t").setIndex(i).setNode(names.get(i % nodes)).setDesired(DesiredState.DESIRED_RUN)
          .setState(TaskState.TASK_RUNNING));
    }
    Map<JobKey, JobState> withTasks = Map.of(new JobKey("default", "bench"), job.build());
    double nodesAlone = medianCpuMs(nodeRecords, Map.of(), rounds);
    double all = medianCpuMs(nodeRecords, withTasks, rounds);
    System.out.printf("| zone rebuild, %,d nodes alone (baseline) | %.0f ms CPU |%n", nodes, nodesAlone);
    System.out.printf("| zone rebuild, %,d nodes and %,d running tasks | %.0f ms CPU (%.1fx the baseline) |%n",
        nodes, tasks, all, all / nodesAlone);
    System.out.printf("| per task | %.2f us CPU |%n", (all - nodesAlone) * 1000 / tasks);
  }

  /** Median thread CPU time of a rebuild, each from a new state version, after as many warm-ups. */
  private static double medianCpuMs(Map<String, NodeRecord> nodes, Map<JobKey, JobState> jobs, int rounds) {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    ClusterZone zone = new ClusterZone(new TaskNames("berth."),
        List.of(new ClusterZone.Nameserver("c1", InetAddress.getLoopbackAddress())), 5);
    double[] ms = new double[rounds];
    long version = 1;
    for (int i = 0; i < 2 * rounds; i++) {
      ClusterSnapshot s = new ClusterSnapshot(++version, nodes, jobs); // new maps: a rebuild each time
      long t0 = threads.getCurrentThreadCpuTime();
      zone.accept(s);
      long spent = threads.getCurrentThreadCpuTime() - t0;
      if (zone.current().serial() != version) {
        throw new IllegalStateException("the zone was not rebuilt for version " + version);
      }
      if (i >= rounds) {
        ms[i - rounds] = spent / 1e6;
      }
    }
    Arrays.sort(ms);
    return ms[rounds / 2];
  }
}
