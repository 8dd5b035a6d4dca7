package io.berth.bench;

import io.berth.coordinator.scheduler.Evaluation;
import io.berth.coordinator.scheduler.IdGenerator;
import io.berth.coordinator.scheduler.Plan;
import io.berth.coordinator.scheduler.Scheduler;
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
import io.berth.proto.Resources;
import io.berth.proto.TaskRecord;
import io.berth.proto.TaskState;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * CPU time of one evaluation of a job in a big settled cluster, the work a new leader repeats for
 * every job and the loop for every job whose tasks report: J jobs of M running tasks over N nodes,
 * shaped as ScaleBench's (one group, 1 milli-CPU and 1 MiB a task). Two evaluations of the same
 * job in the same run: settled (nothing to place) and short of one task (one slot to place, so
 * every node's usage is read, which reads every task of every job). Their ratio is what a settled
 * job saves by not reading the cluster's usage.
 *
 * <p>Usage: {@code EvaluationBench [nodes] [jobs] [tasks per job] [rounds]} (default 10000 10
 * 100000 5).
 */
public final class EvaluationBench {
  private static final long NOW_MS = 1_000_000;

  private EvaluationBench() {}

  public static void main(String[] args) {
    int nodes = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    int jobs = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    int perJob = args.length > 2 ? Integer.parseInt(args[2]) : 100_000;
    int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 5;
    Map<String, NodeRecord> nodeRecords = new TreeMap<>();
    for (int i = 0; i < nodes; i++) {
      String name = String.format("hollow-%05d", i);
      nodeRecords.put(name, NodeRecord.newBuilder().setStatus(NodeStatus.NODE_READY)
          .setFacts(NodeFacts.newBuilder().setName(name).setAddress("127.1.0.1").setCpuMillis(200_000)
              .setMemoryBytes(200L << 30)).build());
    }
    Scheduler scheduler = new Scheduler(IdGenerator.random());
    Map<JobKey, JobState> settled = new TreeMap<>();
    for (int j = 0; j < jobs; j++) {
      // Each job placed by the scheduler itself (ids, slots, spec hashes as a real plan has them).
      JobKey key = new JobKey("default", "bench-" + j);
      JobState submitted = submitted(key, perJob);
      settled.put(key, submitted);
      Plan plan = scheduler.schedule(eval(key), new ClusterSnapshot(j + 1, nodeRecords, settled));
      if (plan.place().size() != perJob) {
        throw new IllegalStateException("job " + key + " placed " + plan.place().size() + " of " + perJob);
      }
      JobState.Builder running = submitted.toBuilder();
      for (TaskRecord t : plan.place()) {
        running.addTasks(t.toBuilder().setState(TaskState.TASK_RUNNING));
      }
      settled.put(key, running.build());
    }
    JobKey measured = new JobKey("default", "bench-0");
    Map<JobKey, JobState> shortOfOne = new HashMap<>(settled);
    shortOfOne.put(measured, settled.get(measured).toBuilder().removeTasks(0).build());

    Result nothing = median(scheduler, measured, () -> new ClusterSnapshot(1, nodeRecords, settled), rounds);
    Result one = median(scheduler, measured, () -> new ClusterSnapshot(1, nodeRecords, shortOfOne), rounds);
    if (nothing.placed != 0 || one.placed != 1) {
      throw new IllegalStateException("expected 0 and 1 placements, got " + nothing.placed + " and " + one.placed);
    }
    long total = (long) jobs * perJob;
    System.out.printf("| evaluation of a job of %,d settled tasks (%,d tasks on %,d nodes) | %.0f ms CPU |"
        + " nothing to place |%n", perJob, total, nodes, nothing.ms);
    System.out.printf("| the same job short of one task (baseline) | %.0f ms CPU | one to place: every node's"
        + " usage read (%.1fx the settled job) |%n", one.ms, one.ms / nothing.ms);
  }

  private static JobState submitted(JobKey key, int count) {
    JobSpec spec = JobSpec.newBuilder().setName(key.name()).setNamespace(key.namespace()).setType("service")
        .addGroups(GroupSpec.newBuilder().setName("t").setCount(count).setImage("hollow")
            .setResources(Resources.newBuilder().setCpuMillis(1).setMemoryBytes(1 << 20)))
        .build();
    return JobState.newBuilder().setJob(JobRecord.newBuilder().setSpec(spec).setVersion(1)
        .setStatus(JobStatus.JOB_RUNNING)).build();
  }

  private static Evaluation eval(JobKey key) {
    return new Evaluation("e-" + key.name(), key, Evaluation.Trigger.PERIODIC, NOW_MS);
  }

  private record Result(double ms, int placed) {}

  /** Median thread CPU time of an evaluation, each on a new snapshot (nothing cached), after as many warm-ups. */
  private static Result median(Scheduler scheduler, JobKey job, Supplier<ClusterSnapshot> snapshots, int rounds) {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    double[] ms = new double[rounds];
    int placed = -1;
    for (int i = 0; i < 2 * rounds; i++) {
      ClusterSnapshot s = snapshots.get();
      long t0 = threads.getCurrentThreadCpuTime();
      Plan p = scheduler.schedule(eval(job), s);
      long spent = threads.getCurrentThreadCpuTime() - t0;
      placed = p.place().size();
      if (i >= rounds) {
        ms[i - rounds] = spent / 1e6;
      }
    }
    Arrays.sort(ms);
    return new Result(ms[rounds / 2], placed);
  }
}
