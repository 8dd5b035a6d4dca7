package io.berth.e2e.lab;

import io.berth.e2e.Await;
import io.berth.e2e.BerthProcess;
import io.berth.proto.ControlServiceGrpc;
import io.berth.proto.ListNodesRequest;
import io.berth.proto.ListTasksRequest;
import io.berth.proto.NodeRecord;
import io.berth.proto.TaskState;
import io.berth.proto.TaskView;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.SimpleResolver;

/**
 * The multi-host lab (scripts/lab.sh) as the tests see it: the coordinator's endpoint and DNS,
 * the simulated hosts, the `berth` CLI pointed at the lab, and crashing and restarting a host.
 * One lab serves a whole test run ({@link LabExtension} starts it once and tears it down).
 */
public final class Lab {
  /** The directory the example job files bind-mount from; the lab links the built jars there. */
  static final String EXAMPLES_LAB_DIR = "/var/lib/berth-lab/";
  private static final Duration UP_TIMEOUT = Duration.ofMinutes(10);
  private static final Duration CLI_TIMEOUT = Duration.ofSeconds(90);

  private final Path script;
  private final Path logs;
  private final Map<String, String> env;
  private final List<LabHost> hosts;
  private final ManagedChannel channel;
  private final ControlServiceGrpc.ControlServiceBlockingStub api;

  private Lab(Path script, Path logs, Map<String, String> env) {
    this.script = script;
    this.logs = logs;
    this.env = env;
    List<LabHost> hs = new ArrayList<>();
    Path run = Path.of(env.get("BERTH_LAB_RUN"));
    for (String h : env.get("BERTH_LAB_HOSTS").split(" ")) {
      String address = env.get("BERTH_LAB_NET_PREFIX") + "." + (10 + Integer.parseInt(h.substring(1)));
      hs.add(new LabHost(h, address, run.resolve(h).resolve("docker.sock")));
    }
    this.hosts = List.copyOf(hs);
    this.channel = io.berth.e2e.AdminChannel.open(coordinator(), configDir());
    this.api = ControlServiceGrpc.newBlockingStub(channel);
  }

  /** Runs `scripts/lab.sh up` (which first clears whatever a killed run left behind). */
  static Lab up() {
    Path home = BerthProcess.home();
    Path script = home.resolve("scripts/lab.sh");
    Path logs = home.resolve("e2e/target/e2e-logs/lab");
    try {
      Files.createDirectories(logs);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    long t0 = System.nanoTime();
    Command.Result r = Command.run(UP_TIMEOUT, List.of(script.toString(), "up"));
    write(logs.resolve("lab-up.log"), r.out());
    if (!r.ok()) {
      throw new AssertionError("scripts/lab.sh up failed (exit " + r.exit() + "):\n" + r.out());
    }
    Timings.record("lab up (scripts/lab.sh up)", Duration.ofNanos(System.nanoTime() - t0));
    try {
      Command.Result e = Command.run(Duration.ofSeconds(10), List.of(script.toString(), "env"));
      if (!e.ok()) {
        throw new AssertionError("scripts/lab.sh env failed:\n" + e.out());
      }
      return new Lab(script, logs, parseEnv(e.out()));
    } catch (RuntimeException | Error e) {
      // Nobody will hold this lab: take it down now rather than leave it running.
      Command.run(Duration.ofMinutes(3), List.of(script.toString(), "down"));
      throw e;
    }
  }

  /** Keeps the lab's logs under e2e/target/e2e-logs/lab, then `scripts/lab.sh down`. */
  void down() {
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    copyLogs();
    Command.Result r = Command.run(Duration.ofMinutes(3), List.of(script.toString(), "down"));
    write(logs.resolve("lab-down.log"), r.out());
  }

  public String coordinator() {
    return env.get("BERTH_LAB_COORDINATOR");
  }

  /** The cluster's join token, as `coordinator start --bootstrap` printed it. */
  public String token() {
    return env.get("BERTH_LAB_TOKEN");
  }

  /** The coordinator's HTTP(S) server (install.sh, /ca.crt, the agent bundle): its default port. */
  public String httpAddress() {
    return dnsAddress() + ":7080";
  }

  /** The script that runs the lab (scripts/lab.sh). */
  public Path script() {
    return script;
  }

  /** The lab's admin credential and client config (its coordinator writes them there, not to ~/.berth). */
  public Path configDir() {
    return Path.of(env.getOrDefault("BERTH_LAB_CONFIG_DIR", env.get("BERTH_LAB_DIR") + "/client"));
  }

  /** The coordinator's address: its DNS answers on port 53 there, for hosts and containers. */
  public String dnsAddress() {
    return env.get("BERTH_LAB_DNS");
  }

  public List<LabHost> hosts() {
    return hosts;
  }

  public LabHost host(String name) {
    return hosts.stream().filter(h -> h.name().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no lab host " + name + " in " + hosts));
  }

  /** The host a task was placed on. */
  public LabHost hostOf(TaskView t) {
    return host(t.getTask().getNode());
  }

  public ControlServiceGrpc.ControlServiceBlockingStub api() {
    return api.withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  /** `bin/berth ARGS --coordinator <the lab's>`, as a user runs it. */
  public BerthProcess.Result berth(String... args) {
    String[] withCoordinator = Stream.concat(Stream.of(args), Stream.of("--coordinator", coordinator()))
        .toArray(String[]::new);
    try {
      return BerthProcess.run(CLI_TIMEOUT, Map.of("BERTH_CONFIG_DIR", configDir().toString()), withCoordinator);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Like {@link #berth} but the command must succeed. */
  public String berthOk(String... args) {
    BerthProcess.Result r = berth(args);
    if (r.exit() != 0) {
      throw new AssertionError("berth " + String.join(" ", args) + " exited " + r.exit() + ":\n" + r.out() + r.err());
    }
    return r.out();
  }

  /** Submits a job file with `berth job run -f`. */
  public void run(Path jobFile) {
    berthOk("job", "run", "-f", jobFile.toString());
  }

  /** Submits a job given as YAML text (written to the lab's log directory, kept for reading). */
  public Path run(String fileName, String yaml) {
    Path file = logs.resolve(fileName);
    write(file, yaml);
    run(file);
    return file;
  }

  /**
   * An example job file from examples/, as a user would run it in this lab: when the lab's
   * directory is not the default, the bind-mount paths are pointed at it.
   */
  public Path example(String fileName) {
    Path source = BerthProcess.home().resolve("examples").resolve(fileName);
    String labDir = env.get("BERTH_LAB_DIR");
    labDir = labDir.endsWith("/") ? labDir : labDir + "/";
    if (labDir.equals(EXAMPLES_LAB_DIR)) {
      return source;
    }
    Path copy = logs.resolve(fileName);
    write(copy, read(source).replace(EXAMPLES_LAB_DIR, labDir));
    return copy;
  }

  /** Stops a job and waits until none of its containers runs on any host. */
  public void stopJob(String job) {
    berth("job", "stop", job);
    Await.until("no running containers of job " + job, Duration.ofSeconds(60),
        () -> hosts.stream().allMatch(h -> !h.tryDocker("version").ok() // a crashed host runs nothing
            || h.runningContainers("berth.job", job).isEmpty()));
  }

  /** The job's current tasks (running or on their way), from the coordinator. */
  public List<TaskView> tasks(String job) {
    return api().listTasks(ListTasksRequest.newBuilder().setJob(job).build()).getTasksList();
  }

  /** All of the job's tasks, including finished ones. */
  public List<TaskView> allTasks(String job) {
    return api().listTasks(ListTasksRequest.newBuilder().setJob(job).setAll(true).build()).getTasksList();
  }

  public List<TaskView> running(String job, String group) {
    return tasks(job).stream()
        .filter(t -> t.getTask().getGroup().equals(group) && t.getTask().getState() == TaskState.TASK_RUNNING)
        .toList();
  }

  /** Waits until exactly {@code count} tasks of the group run, and returns them ordered by index. */
  public List<TaskView> awaitRunning(String job, String group, int count, Duration timeout) {
    return Await.until(count + " running tasks of " + group + "." + job, timeout, () -> running(job, group),
            ts -> ts.size() == count)
        .stream().sorted((a, b) -> Integer.compare(a.getTask().getIndex(), b.getTask().getIndex())).toList();
  }

  public Optional<NodeRecord> node(String name) {
    return api().listNodes(ListNodesRequest.getDefaultInstance()).getNodesList().stream()
        .filter(n -> n.getFacts().getName().equals(name)).findFirst();
  }

  /** Kills the host hard: agent and dockerd with -9, then everything left in its namespace. */
  public void crashHost(String name) {
    Command.check(Duration.ofSeconds(60), List.of(script.toString(), "crash-host", name));
  }

  /** Brings a crashed host back (fresh dockerd exec-root, same image store, the same agent command). */
  public void startHost(String name) {
    Command.check(Duration.ofMinutes(3), List.of(script.toString(), "start-host", name));
  }

  /** One DNS question to the coordinator's DNS server on port 53 (what containers ask). */
  public Message dns(String name, int type) {
    try {
      SimpleResolver r = new SimpleResolver(InetAddress.getByName(dnsAddress()));
      r.setPort(53);
      r.setTimeout(Duration.ofSeconds(3));
      return r.send(Message.newQuery(Record.newRecord(Name.fromString(name.endsWith(".") ? name : name + "."), type, DClass.IN)));
    } catch (IOException e) {
      throw new IllegalStateException("DNS query for " + name + " to " + dnsAddress() + " failed: " + e, e);
    }
  }

  public Path logs() {
    return logs;
  }

  private void copyLogs() {
    Path labDir = Path.of(env.get("BERTH_LAB_DIR"));
    List<Path> sources = new ArrayList<>(List.of(labDir.resolve("coord/coordinator.log")));
    for (LabHost h : hosts) {
      sources.add(labDir.resolve(h.name()).resolve("agent.log"));
      sources.add(labDir.resolve(h.name()).resolve("dockerd.log"));
    }
    for (Path s : sources) {
      if (Files.exists(s)) {
        String target = s.getParent().getFileName() + "-" + s.getFileName();
        try {
          Files.copy(s, logs.resolve(target), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException ignored) {
          // logs are a convenience
        }
      }
    }
  }

  static Map<String, String> parseEnv(String text) {
    Map<String, String> env = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        env.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim().replace("\"", ""));
      }
    }
    String dns = env.get("BERTH_LAB_DNS");
    // The hosts are .11, .12 ... in the coordinator's /24.
    env.put("BERTH_LAB_NET_PREFIX", dns.substring(0, dns.lastIndexOf('.')));
    for (String key : List.of("BERTH_LAB_COORDINATOR", "BERTH_LAB_DNS", "BERTH_LAB_HOSTS", "BERTH_LAB_RUN", "BERTH_LAB_DIR")) {
      if (!env.containsKey(key)) {
        throw new AssertionError("scripts/lab.sh env lacks " + key + ":\n" + text);
      }
    }
    return env;
  }

  static String read(Path p) {
    try {
      return Files.readString(p, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void write(Path p, String text) {
    try {
      Files.createDirectories(p.getParent());
      Files.writeString(p, text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
