package io.berth.bench;

import io.berth.coordinator.scheduler.Evaluation;
import io.berth.coordinator.scheduler.IdGenerator;
import io.berth.coordinator.scheduler.Plan;
import io.berth.coordinator.scheduler.Scheduler;
import io.berth.coordinator.security.AdminCredential;
import io.berth.coordinator.state.ClusterSnapshot;
import io.berth.coordinator.state.JobKey;
import io.berth.proto.ClusterStatusRequest;
import io.berth.proto.ControlServiceGrpc;
import io.berth.proto.GroupSpec;
import io.berth.proto.JobRecord;
import io.berth.proto.JobSpec;
import io.berth.proto.JobState;
import io.berth.proto.JobStatus;
import io.berth.proto.ListNodesRequest;
import io.berth.proto.JobSummary;
import io.berth.proto.ListJobsRequest;
import io.berth.proto.Member;
import io.berth.proto.NodeFacts;
import io.berth.proto.NodeRecord;
import io.berth.proto.NodeStatus;
import io.berth.proto.Resources;
import io.berth.proto.RunJobRequest;
import io.berth.tls.GrpcTls;
import io.berth.tls.TlsMaterial;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Real coordinator processes (bin/berth, Raft on disk, loopback) and a fleet of hollow agents:
 * nodes joining, the placements of one job (several past 100,000 tasks) committed and reported
 * running, and a leader kill with every agent connected (BERTH_BENCH_KILL=0 leaves it out).
 * Prints one table row per figure, each beside a baseline measured in the same run where one
 * exists.
 *
 * <p>Usage: {@code ScaleBench [nodes] [tasks] [coordinators]} (defaults 200 2000 3).
 */
public final class ScaleBench {
  /** The job spec's bound on one group's count: more tasks than that come as several jobs, as Nomad's C1M did. */
  static final int MAX_GROUP_COUNT = 100_000;

  /** Agents started per second (BERTH_BENCH_JOIN_RATE; 0: all at once). */
  static final double JOIN_RATE = Double.parseDouble(System.getenv().getOrDefault("BERTH_BENCH_JOIN_RATE", "0"));

  private final int nodes;
  private final int tasks;
  private final int members;
  private final Path work;
  private final List<Process> coordinators = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<String> endpoints = new ArrayList<>();
  final List<String> rows = new ArrayList<>();

  ScaleBench(int nodes, int tasks, int members) throws IOException {
    this.nodes = nodes;
    this.tasks = tasks;
    this.members = members;
    this.work = Files.createTempDirectory("berth-bench-");
  }

  public static void main(String[] args) throws Exception {
    int nodes = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    int tasks = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
    int members = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    ScaleBench bench = new ScaleBench(nodes, tasks, members);
    try {
      bench.run();
    } finally {
      bench.close();
    }
    System.exit(0);
  }

  void run() throws Exception {
    startCoordinators();
    long[] heapIdle = liveHeaps("idle");
    try (FleetProcesses fleet = new FleetProcesses(endpoints, work.resolve("c0/join-token"), nodes, work, 50)) {
      fleet.awaitEnrolled(Duration.ofMinutes(15).toMillis());
      long t0 = System.nanoTime();
      double[] cpu0 = cpuSeconds(fleet);
      fleet.start(JOIN_RATE);
      await("all nodes ready", Duration.ofMinutes(20), () -> readyNodes() == nodes);
      double joinS = seconds(t0);
      row("nodes joined and ready", nodes + " nodes in " + fmt(joinS) + " s", fmt(nodes / joinS) + " nodes/s"
          + (JOIN_RATE > 0 ? "; agents started at " + fmt(JOIN_RATE) + "/s, the last after " + fmt(nodes / JOIN_RATE) + " s"
              : "; all agents started at once"));
      row("CPU used while they joined (" + fmt(joinS) + " s on " + Runtime.getRuntime().availableProcessors()
          + " vCPUs)", cpuSummary(cpu0, cpuSeconds(fleet)), "seconds of CPU: each coordinator, then the hollow fleet's JVMs together");

      long[] heapNodes = liveHeaps("nodes");
      double schedulerAlone = schedulerAlonePerSecond();
      long t1 = System.nanoTime();
      double[] cpu1 = cpuSeconds(fleet);
      int jobs = jobCount();
      for (int j = 0; j < jobs; j++) {
        api(0).runJob(RunJobRequest.newBuilder().setSourceName("bench.yaml").setSpecYaml("""
            name: bench-%d
            groups:
              - name: t
                count: %d
                image: hollow
                resources: {cpu: 1m, memory: 1Mi}
            """.formatted(j, jobSize(j))).build());
      }
      // ~250 tasks/s is the slowest rate seen on this machine; 10 minutes at least.
      Duration bound = Duration.ofSeconds(Math.max(600, tasks / 250));
      await("all tasks placed", bound, () -> taskCount(false) == tasks);
      double placeS = seconds(t1);
      await("all tasks running", bound, () -> taskCount(true) == tasks);
      double runS = seconds(t1);
      row("placements committed (" + (jobs == 1 ? "one job" : jobs + " jobs") + ", " + tasks + " tasks, " + nodes
          + " nodes, " + members + " coordinators)",
          fmt(tasks / placeS) + " placements/s",
          "scheduler alone, same run: " + fmt(schedulerAlone) + "/s (ratio " + fmt((tasks / placeS) / schedulerAlone) + ")");
      row("tasks reported running", fmt(tasks / runS) + " tasks/s, all running after " + fmt(runS) + " s", "");
      row("CPU used from the job's submission to all running (" + fmt(runS) + " s)", cpuSummary(cpu1, cpuSeconds(fleet)),
          "seconds of CPU: each coordinator, then the hollow fleet's JVMs together");
      row("coordinator RSS after", rssSummary(), "");
      long[] heapTasks = liveHeaps("tasks");
      row("coordinator live heap (after a full GC), per member", heapSummary(heapIdle, heapNodes, heapTasks),
          "per node: (nodes ready - idle) / nodes; per task: (tasks running - nodes ready) / tasks");
      dumpFlightRecordings("before-kill", fleet);

      if (members >= 3 && !"0".equals(System.getenv("BERTH_BENCH_KILL"))) {
        int leader = leader();
        double[] cpu2 = cpuSeconds(fleet);
        long t2 = System.nanoTime();
        coordinators.get(leader).destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        int survivor = (leader + 1) % members;
        Duration settle = Duration.ofMinutes(3);
        await("a new leader", settle, () -> {
          try {
            int l = leader(survivor);
            return l >= 0 && l != leader;
          } catch (RuntimeException e) {
            return false;
          }
        });
        double leaderS = seconds(t2);
        // Progress goes to stderr every 10 s; a storm that does not settle is a figure, not a crash.
        Duration reconnectBound = Duration.ofMinutes(Long.getLong("berth.bench.reconnectMinutes",
            Long.parseLong(System.getenv().getOrDefault("BERTH_BENCH_RECONNECT_MINUTES", "3"))));
        int[] back = {0};
        long[] lastReport = {System.nanoTime()};
        // Polled every 500 ms, not 100: the counts come from member records rewritten once a second,
        // and each poll walks every session the records list (in run PB, polling every 100 ms took
        // 15% of the survivor it asked during the storm it measures).
        boolean all = awaitOrGiveUp(reconnectBound, RECONNECT_POLL, () -> {
          back[0] = sessionsOnSurvivors(survivor, leader);
          if (System.nanoTime() - lastReport[0] >= TimeUnit.SECONDS.toNanos(10)) {
            lastReport[0] = System.nanoTime();
            System.err.printf("reconnect: %.0f s after the kill, %d of %d agents on survivors%n", seconds(t2), back[0], nodes);
          }
          return back[0] >= nodes;
        });
        double reconnectS = seconds(t2);
        double[] cpu3 = cpuSeconds(fleet);
        cpu3[leader] = cpu2[leader]; // killed: /proc has nothing more to say
        int down = downNodes(survivor);
        dumpFlightRecordings("after-reconnect", fleet);
        row("leader kill -9 with " + nodes + " agents connected", "new leader after " + fmt(leaderS) + " s, "
            + (all ? "every agent reconnected after " + fmt(reconnectS) + " s"
                : "NOT SETTLED: " + back[0] + " of " + nodes + " agents on survivors after " + fmt(reconnectS) + " s"),
            down + " nodes marked down (must be 0)");
        row("CPU used from the kill to the last reconnect (" + fmt(reconnectS) + " s on "
            + Runtime.getRuntime().availableProcessors() + " vCPUs)", cpuSummary(cpu2, cpu3),
            "seconds of CPU: each coordinator (c" + leader + " killed), then the hollow fleet's JVMs together");
      }
    }
    System.out.println();
    System.out.println("| scenario | figure | baseline / note |");
    System.out.println("| --- | --- | --- |");
    rows.forEach(System.out::println);
  }

  /** The pure scheduler on a snapshot of the same shape: what the control plane adds is the rest. */
  double schedulerAlonePerSecond() {
    Map<String, NodeRecord> ns = new HashMap<>();
    for (int i = 0; i < nodes; i++) {
      ns.put("n" + i, NodeRecord.newBuilder().setStatus(NodeStatus.NODE_READY)
          .setFacts(NodeFacts.newBuilder().setName("n" + i).setAddress("127.1.0.1").setCpuMillis(2000)
              .setMemoryBytes(24L << 30)).build());
    }
    JobKey key = new JobKey("default", "bench-0");
    JobSpec spec = JobSpec.newBuilder().setName("bench-0").setNamespace("default").setType("service")
        .addGroups(GroupSpec.newBuilder().setName("t").setCount(jobSize(0)).setImage("hollow")
            .setResources(Resources.newBuilder().setCpuMillis(1).setMemoryBytes(1 << 20))).build();
    ClusterSnapshot s = new ClusterSnapshot(1, ns, Map.of(key, JobState.newBuilder()
        .setJob(JobRecord.newBuilder().setSpec(spec).setVersion(1).setStatus(JobStatus.JOB_RUNNING)).build()));
    Scheduler scheduler = new Scheduler(IdGenerator.random());
    scheduler.schedule(new Evaluation("warm", key, Evaluation.Trigger.JOB_REGISTERED, 0), s); // warm up
    long t = System.nanoTime();
    Plan p = scheduler.schedule(new Evaluation("e", key, Evaluation.Trigger.JOB_REGISTERED, 0), s);
    return p.place().size() / seconds(t);
  }

  private void startCoordinators() throws Exception {
    List<String> peers = new ArrayList<>();
    int[][] ports = new int[members][4];
    for (int i = 0; i < members; i++) {
      for (int j = 0; j < 4; j++) {
        ports[i][j] = freePort();
      }
      peers.add("127.0.0.1:" + ports[i][2]);
    }
    Path home = Path.of(System.getenv().getOrDefault("BERTH_HOME", ".")).toAbsolutePath();
    Path client = work.resolve("client");
    for (int i = 0; i < members; i++) {
      endpoints.add("127.0.0.1:" + ports[i][0]);
    }
    for (int i = 0; i < members; i++) {
      // The first member makes the cluster (CA, token, admin credential); the others join it with the token.
      List<String> mode = i == 0
          ? List.of("--bootstrap", "--peers", String.join(",", peers), "--config-dir", client.toString())
          : List.of("--join", endpoints.get(0), "--token", Files.readString(work.resolve("c0/join-token")).trim(),
              "--no-client-config");
      List<String> cmd = new ArrayList<>(List.of(home.resolve("bin/berth").toString(), "coordinator", "start"));
      cmd.addAll(mode);
      cmd.addAll(List.of("--data-dir", work.resolve("c" + i).toString(), "--bind", "127.0.0.1",
          "--grpc-port", "" + ports[i][0], "--dns-port", "" + ports[i][1], "--raft-port", "" + ports[i][2],
          "--http-port", "" + ports[i][3],
          "--dns-upstream", "none"));
      // e.g. BERTH_BENCH_COORDINATOR_ARGS="--raft-election-ms 1000" on a machine too busy for the default
      String extra = System.getenv().getOrDefault("BERTH_BENCH_COORDINATOR_ARGS", "").trim();
      if (!extra.isEmpty()) {
        cmd.addAll(List.of(extra.split("\\s+")));
      }
      Path log = coordinatorLog(i);
      coordinators.add(new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start());
      if (i == 0) {
        // Written before its Raft member starts (which waits for the others); the admin credential comes once it is up.
        awaitStart("member 0's join token", Duration.ofMinutes(1), () -> Files.exists(work.resolve("c0/join-token")));
      }
    }
    awaitStart("member 0's admin credential", Duration.ofMinutes(3), () -> Files.exists(client.resolve("config.json")));
    TlsMaterial admin = AdminCredential.files(client).load().orElseThrow();
    for (int i = 0; i < members; i++) {
      channels.add(NettyChannelBuilder.forTarget(endpoints.get(i), GrpcTls.client(admin.ca(), () -> admin))
          .maxInboundMessageSize(256 << 20).build());
    }
    for (int i = 0; i < members; i++) {
      Path log = coordinatorLog(i);
      awaitStart("coordinator " + i + " up", Duration.ofMinutes(3),
          () -> Files.exists(log) && read(log).contains("agent start --coordinator"));
    }
    awaitStart("a leader", Duration.ofMinutes(1), () -> leader() >= 0);
  }

  /** Where coordinator i's output goes. */
  private Path coordinatorLog(int i) {
    return work.resolve("coordinator-" + i + ".log");
  }

  /**
   * {@link #await} while the coordinators start: gives up at once, naming the member and its log,
   * when one of them has exited (a flag it refused, a Raft member that could not start) instead
   * of waiting out the timeout.
   */
  private void awaitStart(String what, Duration timeout, BooleanSupplier done) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!awaitOrGiveUp(Duration.ofMillis(500), POLL, done)) {
      for (int i = 0; i < coordinators.size(); i++) {
        Process p = coordinators.get(i);
        if (!p.isAlive()) {
          throw new IllegalStateException("coordinator " + i + " exited with code " + p.exitValue()
              + " while waiting for " + what + ": see " + coordinatorLog(i));
        }
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out waiting for " + what);
      }
    }
  }

  private ControlServiceGrpc.ControlServiceBlockingStub api(int i) {
    return ControlServiceGrpc.newBlockingStub(channels.get(i)).withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  private int leader() {
    return leader(0);
  }

  private int leader(int askWho) {
    for (Member m : api(askWho).getClusterStatus(ClusterStatusRequest.getDefaultInstance()).getMembersList()) {
      if (m.getLeader()) {
        return endpoints.indexOf(m.getGrpcEndpoint());
      }
    }
    return -1;
  }

  /** A count the coordinator keeps: listing 10,000 nodes ten times a second would load the member it asks. */
  private long readyNodes() {
    return api(0).getClusterStatus(ClusterStatusRequest.getDefaultInstance()).getReadyNodes();
  }

  private int downNodes(int askWho) {
    return (int) api(askWho).listNodes(ListNodesRequest.getDefaultInstance()).getNodesList().stream()
        .filter(n -> n.getStatus() == NodeStatus.NODE_DOWN).count();
  }

  /**
   * Sessions held by the members other than {@code dead}, as their records last said. Not the
   * cluster's connected count: that still counts a dead member's sessions until its record goes
   * stale (3 s), which would flatter the reconnect time.
   */
  private int sessionsOnSurvivors(int askWho, int dead) {
    int n = 0;
    for (Member m : api(askWho).getClusterStatus(ClusterStatusRequest.getDefaultInstance()).getMembersList()) {
      if (endpoints.indexOf(m.getGrpcEndpoint()) != dead) {
        n += m.getSessions();
      }
    }
    return n;
  }

  /** The bench's tasks come in jobs of at most {@link #MAX_GROUP_COUNT} (the job spec's bound on a group's count). */
  private int jobCount() {
    return Math.max(1, (tasks + MAX_GROUP_COUNT - 1) / MAX_GROUP_COUNT);
  }

  /** Tasks of bench job {@code j}: the tasks split evenly, the first jobs taking one more of the remainder. */
  private int jobSize(int j) {
    int jobs = jobCount();
    return tasks / jobs + (j < tasks % jobs ? 1 : 0);
  }

  /** From the jobs' summaries (counts only): listing every task each poll would load the member it asks. */
  private long taskCount(boolean runningOnly) {
    long n = 0;
    for (JobSummary j : api(0).listJobs(ListJobsRequest.getDefaultInstance()).getJobsList()) {
      if (j.getJob().getSpec().getName().startsWith("bench-")) {
        n += runningOnly ? j.getRunning() : j.getRunning() + j.getPending() + j.getFailed();
      }
    }
    return n;
  }

  /** Each live coordinator's heap in use after a full GC (jcmd's class histogram forces one), in bytes. */
  private long[] liveHeaps(String phase) throws IOException, InterruptedException {
    long[] out = new long[coordinators.size()];
    String dir = System.getenv("BERTH_BENCH_JFR_DIR");
    for (int i = 0; i < out.length; i++) {
      Process p = coordinators.get(i);
      if (!p.isAlive()) {
        out[i] = -1;
        continue;
      }
      String histogram = jcmd(p.pid(), "GC.class_histogram");
      out[i] = histogramTotal(histogram);
      if (dir != null && !dir.isBlank()) {
        // Kept beside the flight recordings: what the heap per node or task is made of.
        Files.createDirectories(Path.of(dir));
        Files.writeString(Path.of(dir).resolve("histogram-" + i + "-" + phase + ".txt"), histogram);
      }
    }
    return out;
  }

  private static long histogramTotal(String histogram) {
    for (String line : histogram.split("\n")) {
      if (line.startsWith("Total")) {
        return Long.parseLong(line.trim().split("\\s+")[2]);
      }
    }
    throw new IllegalStateException("no total in the class histogram: " + histogram);
  }

  private String heapSummary(long[] idle, long[] withNodes, long[] withTasks) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < idle.length; i++) {
      out.add(String.format("c%d: %.0f MiB; %.1f KiB/node, %.2f KiB/task", i, withTasks[i] / 1048576.0,
          (withNodes[i] - idle[i]) / 1024.0 / nodes, (withTasks[i] - withNodes[i]) / 1024.0 / tasks));
    }
    return String.join("; ", out);
  }

  /**
   * With BERTH_BENCH_JFR_DIR set (and the coordinators started with a flight recording, e.g.
   * BERTH_JAVA_OPTS=-XX:StartFlightRecording=settings=profile), saves each coordinator's
   * recording there (and each fleet JVM's): before the leader kill, and again once every agent is back.
   */
  private void dumpFlightRecordings(String phase, FleetProcesses fleet) throws IOException, InterruptedException {
    String dir = System.getenv("BERTH_BENCH_JFR_DIR");
    if (dir == null || dir.isBlank()) {
      return;
    }
    Files.createDirectories(Path.of(dir));
    for (int i = 0; i < coordinators.size(); i++) {
      if (!coordinators.get(i).isAlive()) {
        continue;
      }
      Path file = Path.of(dir).toAbsolutePath().resolve("coordinator-" + i + "-" + phase + ".jfr");
      System.out.println(jcmd(coordinators.get(i).pid(), "JFR.dump", "filename=" + file).trim());
    }
    // The fleet's too, when BERTH_BENCH_FLEET_OPTS started it with a recording: the agents' side
    // of a reconnect is half its CPU here.
    if (!System.getenv().getOrDefault("BERTH_BENCH_FLEET_OPTS", "").contains("StartFlightRecording")) {
      return;
    }
    int j = 0;
    for (long pid : fleet.pids()) {
      Path file = Path.of(dir).toAbsolutePath().resolve("fleet-" + j++ + "-" + phase + ".jfr");
      System.out.println(jcmd(pid, "JFR.dump", "filename=" + file).trim());
    }
  }

  private static String jcmd(long pid, String... command) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
        Long.toString(pid)));
    cmd.addAll(List.of(command));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
      throw new IOException("jcmd " + String.join(" ", command) + " failed: " + out);
    }
    return out;
  }

  /** CPU seconds (user + system) each coordinator has used so far, then the fleet's JVMs together. */
  private double[] cpuSeconds(FleetProcesses fleet) {
    double[] out = new double[coordinators.size() + 1];
    for (int i = 0; i < coordinators.size(); i++) {
      out[i] = cpuSeconds(coordinators.get(i).pid());
    }
    for (long pid : fleet.pids()) {
      out[coordinators.size()] += cpuSeconds(pid);
    }
    return out;
  }

  private static double cpuSeconds(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0; // USER_HZ is 100 on Linux
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  private String cpuSummary(double[] before, double[] after) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < before.length; i++) {
      out.add((i < before.length - 1 ? "c" + i : "fleet") + " " + fmt(after[i] - before[i]));
    }
    return String.join(", ", out);
  }

  private String rssSummary() throws IOException {
    List<String> out = new ArrayList<>();
    for (Process p : coordinators) {
      if (!p.isAlive()) {
        continue;
      }
      // bin/berth execs java, so the process is the JVM itself.
      for (String line : Files.readAllLines(Path.of("/proc/" + p.pid() + "/status"))) {
        if (line.startsWith("VmRSS:")) {
          out.add(line.replaceAll("\\s+", " ").substring(7));
        }
      }
    }
    return String.join(", ", out);
  }

  private void row(String scenario, String figure, String baseline) {
    String r = "| " + scenario + " | " + figure + " | " + baseline + " |";
    System.out.println(r);
    rows.add(r);
  }

  void close() {
    for (ManagedChannel c : channels) {
      c.shutdownNow();
    }
    // SIGTERM first: a coordinator that exits cleanly writes what it was asked to at exit (flight
    // recordings, -XX:+DumpPerfMapAtExit for perf).
    for (Process p : coordinators) {
      p.destroy();
    }
    ProcessExits.awaitOrKill(coordinators, 10);
  }

  private static final Duration POLL = Duration.ofMillis(100);
  private static final Duration RECONNECT_POLL = Duration.ofMillis(500);

  /** Like {@link #await}, but says whether it happened in time instead of throwing. */
  private static boolean awaitOrGiveUp(Duration timeout, Duration poll, BooleanSupplier done) throws InterruptedException {
    try {
      await("", timeout, poll, done);
      return true;
    } catch (IllegalStateException e) {
      return false;
    }
  }

  private static void await(String what, Duration timeout, BooleanSupplier done) throws InterruptedException {
    await(what, timeout, POLL, done);
  }

  private static void await(String what, Duration timeout, Duration poll, BooleanSupplier done) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        if (done.getAsBoolean()) {
          return;
        }
      } catch (RuntimeException e) {
        // not ready yet
      }
      Thread.sleep(poll.toMillis());
    }
    throw new IllegalStateException("timed out waiting for " + what);
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      return "";
    }
  }

  private static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  private static String fmt(double d) {
    return d >= 100 ? String.format("%,.0f", d) : String.format("%.2f", d);
  }

  private static final ListenPorts PORTS = new ListenPorts();

  private static int freePort() throws IOException {
    return PORTS.next();
  }
}
