package io.berth.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A hollow fleet spread over several JVMs ({@link HollowFleetProcess}), like kubemark's hollow
 * nodes in several pods: one JVM's GC and event loops would otherwise stand between 10,000
 * agents and the coordinators. Each JVM's output goes to {@code fleet-N.log} in the work dir.
 *
 * <p>{@code BERTH_BENCH_FLEET_JAVA} picks the java that runs them (default: this one; a Java 21+
 * one gives the agents virtual threads), {@code BERTH_BENCH_FLEET_JVMS} how many (default: one
 * per 2,500 nodes), {@code BERTH_BENCH_FLEET_OPTS} extra JVM options, {@code BERTH_BENCH_FLEET_NICE}
 * their niceness once enrolled (default 0).
 */
final class FleetProcesses implements AutoCloseable {
  private static final int NODES_PER_JVM = 2500;
  private static final String NICENESS = System.getenv().getOrDefault("BERTH_BENCH_FLEET_NICE", "0");

  private final List<Process> processes = new ArrayList<>();
  private final List<Path> logs = new ArrayList<>();

  FleetProcesses(List<String> coordinators, Path tokenFile, int nodes, Path work, long startDelayMs)
      throws IOException {
    int jvms = Integer.parseInt(System.getenv().getOrDefault("BERTH_BENCH_FLEET_JVMS",
        Integer.toString(Math.max(1, (nodes + NODES_PER_JVM - 1) / NODES_PER_JVM))));
    String java = System.getenv().getOrDefault("BERTH_BENCH_FLEET_JAVA",
        Path.of(System.getProperty("java.home"), "bin", "java").toString());
    String opts = System.getenv().getOrDefault("BERTH_BENCH_FLEET_OPTS", "").trim();
    int first = 0;
    for (int i = 0; i < jvms; i++) {
      int count = nodes / jvms + (i < nodes % jvms ? 1 : 0);
      // More carriers than cores for the agents' virtual threads: class loading pins a carrier, and
      // with one per core two agents loading classes while a third held the loader's lock froze a
      // whole fleet JVM at startup (2,017 agents never joined; JDK 25, 2 vCPUs).
      List<String> cmd = new ArrayList<>(List.of(java, "-Xss512k", "-Djdk.virtualThreadScheduler.parallelism=8"));
      if (!opts.isEmpty()) {
        cmd.addAll(List.of(opts.split("\\s+")));
      }
      cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), HollowFleetProcess.class.getName(),
          String.join(",", coordinators), tokenFile.toString(), Integer.toString(first), Integer.toString(count),
          work.resolve("agents").toString(), Long.toString(startDelayMs)));
      Path log = work.resolve("fleet-" + i + ".log");
      logs.add(log);
      processes.add(new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start());
      first += count;
    }
  }

  /** Waits until every JVM has enrolled its nodes (or one died, with its log's tail in the error). */
  void awaitEnrolled(long timeoutMs) throws IOException, InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMs;
    for (int i = 0; i < processes.size(); i++) {
      while (!Files.readString(logs.get(i)).contains(HollowFleetProcess.READY_LINE)) {
        if (!processes.get(i).isAlive() || System.currentTimeMillis() > deadline) {
          String log = Files.readString(logs.get(i));
          throw new IllegalStateException("fleet JVM " + i + " did not enrol its nodes: "
              + log.substring(Math.max(0, log.length() - 4000)));
        }
        Thread.sleep(200);
      }
    }
  }

  /**
   * Starts every agent in every JVM, reniced first when BERTH_BENCH_FLEET_NICE is set (default 0:
   * at 1,000 nodes a niced fleet joined no faster, and its agents reconnected too late after a
   * leader kill: 14 nodes judged down). Enrolment, before, is not timed.
   */
  void start(double perSecond) throws IOException, InterruptedException {
    if (!NICENESS.equals("0")) {
      for (Process p : processes) {
        renice(p.pid());
      }
    }
    String line = "start " + (perSecond / processes.size()) + "\n";
    for (Process p : processes) {
      OutputStream in = p.getOutputStream();
      in.write(line.getBytes(StandardCharsets.UTF_8));
      in.flush();
    }
  }

  /** Every thread of the process: Linux keeps a niceness per thread, and new threads inherit their creator's. */
  private static void renice(long pid) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("renice", "-n", NICENESS, "-p"));
    try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
      tasks.forEach(t -> cmd.add(t.getFileName().toString()));
    }
    Process r = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    r.waitFor(30, TimeUnit.SECONDS);
  }

  long[] pids() {
    return processes.stream().mapToLong(Process::pid).toArray();
  }

  @Override
  public void close() {
    for (Process p : processes) {
      try {
        p.getOutputStream().close(); // end of stdin: the JVM closes its agents and exits
      } catch (IOException e) {
        p.destroy();
      }
    }
    ProcessExits.awaitOrKill(processes, 30);
  }
}
