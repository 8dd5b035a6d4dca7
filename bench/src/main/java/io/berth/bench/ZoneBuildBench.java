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
 * coordinator repeats after its state changes: N nodes and M running tasks in J jobs of one group
 * each (no ports), shaped as ScaleBench's. Rows, all in the same run: the nodes alone (the
 * baseline); every job new (a rebuild from nothing, what every rebuild cost before each job's names
 * were kept as a part); one job of the J changed (what a rebuild costs while one job is placed or
 * reports), all of its task records rewritten, or 1,000 of them in a row (as while it is placed). The
 * figure per task is the difference to the baseline divided by the tasks.
 *
 * <p>Usage: {@code ZoneBuildBench [nodes] [tasks] [rounds] [jobs]} (default 10000 100000 7 10).
 */
public final class ZoneBuildBench {
  private ZoneBuildBench() {}

  public static void main(String[] args) {
    int nodes = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    int tasks = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 7;
    int jobCount = args.length > 3 ? Integer.parseInt(args[3]) : 10;
    Map<String, NodeRecord> nodeRecords = new TreeMap<>();
    for (int i = 0; i < nodes; i++) {
      String name = String.format("hollow-%05d", i);
      nodeRecords.put(name, NodeRecord.newBuilder().setStatus(NodeStatus.NODE_READY)
          .setFacts(NodeFacts.newBuilder().setName(name)
              .setAddress("10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255)))
          .build());
    }
    List<String> names = List.copyOf(nodeRecords.keySet());
    Map<JobKey, JobState> jobs = new TreeMap<>();
    for (int j = 0; j < jobCount; j++) {
      String jobName = "bench-" + j;
      int size = tasks / jobCount + (j < tasks % jobCount ? 1 : 0);
      JobState.Builder job = JobState.newBuilder().setJob(JobRecord.newBuilder().setVersion(1)
          .setSpec(JobSpec.newBuilder().setName(jobName).setNamespace("default")
              .addGroups(GroupSpec.newBuilder().setName("t").setCount(size).setImage("hollow"))));
      for (int i = 0; i < size; i++) {
        job.addTasks(TaskRecord.newBuilder().setId(jobName + "-t-" + i + "-x").setNamespace("default")
            .setJob(jobName).setGroup("t").setIndex(i).setNode(names.get((i + j) % nodes))
            .setDesired(DesiredState.DESIRED_RUN).setState(TaskState.TASK_RUNNING));
      }
      jobs.put(new JobKey("default", jobName), job.build());
    }
    JobKey changing = jobs.keySet().iterator().next();
    double nodesAlone = medianCpuMs(nodeRecords, Map.of(), null, 0, rounds);
    double all = medianCpuMs(nodeRecords, jobs, null, 0, rounds);
    int size = jobs.get(changing).getTasksCount();
    double one = medianCpuMs(nodeRecords, jobs, changing, size, rounds);
    int some = Math.min(REWRITTEN_IN_A_ROW, size);
    double part = medianCpuMs(nodeRecords, jobs, changing, some, rounds);
    System.out.printf("| zone rebuild, %,d nodes alone (baseline) | %.0f ms CPU |%n", nodes, nodesAlone);
    System.out.printf("| zone rebuild, %,d nodes and %,d running tasks in %d jobs, every job new | %.0f ms CPU (%.1fx the baseline) |%n",
        nodes, tasks, jobCount, all, all / nodesAlone);
    System.out.printf("| the same, one job of the %d changed, all %,d of its task records rewritten | %.0f ms CPU (%.1fx the baseline, %.2fx every job new) |%n",
        jobCount, size, one, one / nodesAlone, one / all);
    System.out.printf("| the same, one job of the %d changed, %,d of its task records in a row rewritten | %.0f ms CPU (%.1fx the baseline, %.2fx every job new) |%n",
        jobCount, some, part, part / nodesAlone, part / all);
    System.out.printf("| per task, every job new | %.2f us CPU |%n", (all - nodesAlone) * 1000 / tasks);
  }

  /** Every job with every task record a new object: nothing of an earlier zone can be kept. */
  private static Map<JobKey, JobState> everyRecordRewritten(Map<JobKey, JobState> jobs) {
    Map<JobKey, JobState> out = new TreeMap<>();
    jobs.forEach((k, job) -> out.put(k, rewritten(job, job.getTasksCount(), 0)));
    return out;
  }

  /** Tasks reported in one rebuild's window while a job is placed: the next ones in index order. */
  private static final int REWRITTEN_IN_A_ROW = 1_000;

  /**
   * The job with {@code count} of its task records written again (new objects, as the replica
   * makes for each record a write carries), the next {@code count} in index order after those of
   * the last call, wrapping around; every other record is the very same object.
   */
  private static JobState rewritten(JobState job, int count, int round) {
    JobState.Builder b = job.toBuilder();
    int size = job.getTasksCount();
    int from = (int) ((long) round * count % size);
    for (int k = 0; k < count; k++) {
      int i = (from + k) % size;
      b.setTasks(i, job.getTasks(i).toBuilder().build());
    }
    return b.build();
  }

  /**
   * Median thread CPU time of a rebuild after as many warm-ups, each from a new state version:
   * everything new, or (with {@code changed}) the last state with that one job written again,
   * {@code rewrite} of its task records new objects.
   */
  private static double medianCpuMs(
      Map<String, NodeRecord> nodes, Map<JobKey, JobState> jobs, JobKey changed, int rewrite, int rounds) {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    ClusterZone zone = new ClusterZone(new TaskNames("berth."),
        List.of(new ClusterZone.Nameserver("c1", InetAddress.getLoopbackAddress())), 5);
    double[] ms = new double[rounds];
    long version = 1;
    ClusterSnapshot s = new ClusterSnapshot(version, nodes, jobs);
    for (int i = 0; i < 2 * rounds; i++) {
      ++version;
      s = changed == null
          ? new ClusterSnapshot(version, nodes, everyRecordRewritten(jobs)) // every job rendered again
          : s.withJob(version, changed, rewritten(jobs.get(changed), rewrite, i));
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
