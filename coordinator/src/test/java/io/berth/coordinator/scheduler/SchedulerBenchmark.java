package io.berth.coordinator.scheduler;

import io.berth.coordinator.state.ClusterSnapshot;
import io.berth.coordinator.state.JobKey;
import io.berth.proto.GroupSpec;
import io.berth.proto.JobRecord;
import io.berth.proto.JobSpec;
import io.berth.proto.JobState;
import io.berth.proto.JobStatus;
import io.berth.proto.NodeFacts;
import io.berth.proto.NodeRecord;
import io.berth.proto.NodeStatus;
import io.berth.proto.PortSpec;
import io.berth.proto.Resources;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * A micro benchmark, not a test: placements per second for one job of 10,000 tasks on 1,000
 * nodes, the scheduler alone (no store, no Raft). Run from the repo root:
 *
 * <pre>
 * mvn -B -q -o -pl coordinator test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt
 * java -cp coordinator/target/test-classes:coordinator/target/classes:$(cat /tmp/cp.txt) \
 *     io.berth.coordinator.scheduler.SchedulerBenchmark [nodes] [tasks]
 * </pre>
 */
public final class SchedulerBenchmark {

  public static void main(String[] args) {
    int nodes = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int tasks = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
    for (String type : new String[] {"service", "batch"}) {
      run(type, nodes, tasks);
    }
  }

  private static void run(String type, int nodeCount, int taskCount) {
    Map<String, NodeRecord> nodes = new TreeMap<>();
    for (int i = 0; i < nodeCount; i++) {
      String name = String.format("node%04d", i);
      nodes.put(name, NodeRecord.newBuilder()
          .setFacts(NodeFacts.newBuilder().setName(name).setAddress("10.1." + (i / 250) + "." + (i % 250))
              .setCpuMillis(32_000).setMemoryBytes(128L << 30).putLabels("rack", "r" + (i % 20)))
          .setStatus(NodeStatus.NODE_READY).build());
    }
    JobSpec spec = JobSpec.newBuilder().setName("bench").setNamespace("default").setType(type)
        .addGroups(GroupSpec.newBuilder().setName("w").setCount(taskCount).setImage("busybox:1")
            .setResources(Resources.newBuilder().setCpuMillis(100).setMemoryBytes(256L << 20))
            .addPorts(PortSpec.newBuilder().setLabel("http")))
        .build();
    JobKey key = JobKey.of(spec);
    JobState js = JobState.newBuilder()
        .setJob(JobRecord.newBuilder().setSpec(spec).setVersion(1).setStatus(JobStatus.JOB_RUNNING)).build();
    ClusterSnapshot snapshot = new ClusterSnapshot(1, nodes, Map.of(key, js));
    long[] counter = {0};
    Scheduler scheduler = new Scheduler(() -> Long.toHexString(counter[0]++));
    Evaluation eval = new Evaluation("bench", key, Evaluation.Trigger.JOB_REGISTERED, 1_000);

    int rounds = 8;
    double[] rates = new double[rounds];
    int placed = 0;
    for (int r = 0; r < rounds; r++) {
      long t0 = System.nanoTime();
      Plan p = scheduler.schedule(eval, snapshot);
      long ns = System.nanoTime() - t0;
      placed = p.place().size();
      rates[r] = placed / (ns / 1e9);
    }
    // The first rounds warm the JIT up; report the median of the rest.
    double[] warm = Arrays.copyOfRange(rates, 3, rounds);
    Arrays.sort(warm);
    System.out.printf("%s: %d placements on %d nodes: median %.0f placements/s (%.0f ms per plan), first round %.0f/s%n",
        type, placed, nodeCount, warm[warm.length / 2], placed / warm[warm.length / 2] * 1000, rates[0]);
  }
}
