package io.berth.agent.cli;

import io.berth.agent.Agent;
import io.berth.agent.AgentConfig;
import io.berth.agent.enrol.CertificateRenewal;
import io.berth.agent.enrol.EnrolmentRefused;
import io.berth.agent.enrol.NodeCredential;
import io.berth.agent.enrol.NodeEnrolment;
import io.berth.agent.facts.HostAddress;
import io.berth.agent.facts.HostName;
import io.berth.agent.facts.Labels;
import io.berth.agent.session.CoordinatorEndpoints;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** `berth agent start`: joins the cluster and runs this node's tasks until killed. */
@Command(
    name = "start",
    description = "Join the cluster and run this node's tasks (foreground, until killed).",
    mixinStandardHelpOptions = true)
public final class AgentStartCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Option(names = "--coordinator", required = true, paramLabel = "HOST:PORT[,HOST:PORT...]",
      description = "Coordinator gRPC endpoint(s) to join through.")
  String coordinator;

  @Option(names = "--token", paramLabel = "TOKEN",
      description = "Join token printed by `berth coordinator start --bootstrap`: needed only until the agent holds "
          + "a node certificate in --data-dir (its first start).")
  String token;

  @Option(names = "--ca-file", paramLabel = "FILE",
      description = "The cluster CA's certificate (checked against the token); default: read it from the coordinator "
          + "and accept it only if its SHA-256 is the token's.")
  Path caFile;

  @Option(names = "--docker", paramLabel = "URI", defaultValue = "unix:///var/run/docker.sock",
      description = "Docker daemon to run tasks on (default: ${DEFAULT-VALUE}).")
  String docker;

  @Option(names = "--address", paramLabel = "IP",
      description = "Routable address of this node (default: first non-loopback IPv4).")
  String address;

  @Option(names = "--name", paramLabel = "NAME",
      description = "Node name (default: the host name).")
  String name;

  @Option(names = "--labels", paramLabel = "K=V[,K=V...]",
      description = "Node labels for placement constraints.")
  String labels;

  @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "/var/lib/berth-agent",
      description = "Agent state, e.g. the per-task hosts files (default: ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(names = "--hosts-file", paramLabel = "FILE", defaultValue = "/etc/hosts",
      description = "The host's hosts file, copied into every task's (default: ${DEFAULT-VALUE}).")
  Path hostsFile;

  @Option(names = "--resync-seconds", paramLabel = "N", defaultValue = "10",
      description = "Full runtime resync period; events are the primary source (default: ${DEFAULT-VALUE}).")
  int resyncSeconds;

  @Option(names = "--keepalive-seconds", paramLabel = "N", defaultValue = "0",
      description = "gRPC keepalive pings to the coordinator; 0 disables. The coordinator must "
          + "permit pings this often (default: ${DEFAULT-VALUE}).")
  int keepAliveSeconds;

  @Override
  public Integer call() {
    AgentConfig config = config();
    try {
      // Fail at start, not at the first task, when the data directory is unusable.
      java.nio.file.Files.createDirectories(config.dataDir());
    } catch (java.io.IOException | RuntimeException e) {
      throw bad("--data-dir: cannot create " + config.dataDir() + ": " + e.getMessage());
    }
    NodeCredential credential = new NodeCredential(config.dataDir());
    try {
      enrol(credential, config);
    } catch (EnrolmentRefused e) {
      System.err.println("berth: " + e.getMessage());
      return Agent.EXIT_JOIN_REFUSED;
    } catch (java.io.IOException e) {
      System.err.println("berth: cannot enrol node " + config.name() + ": " + e.getMessage());
      return 1;
    }
    CountDownLatch finished = new CountDownLatch(1);
    CoordinatorEndpoints renewVia = new CoordinatorEndpoints(config.coordinators());
    try (CertificateRenewal renewal = new CertificateRenewal(credential, renewVia::next);
        Agent agent = new Agent(config, credential.channelCredentials())) {
      renewal.start();
      // Killed (SIGTERM/SIGINT): end the session cleanly; containers keep running.
      Thread hook = new Thread(() -> {
        agent.close();
        try {
          finished.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, "berth-agent-shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
      try {
        return agent.run();
      } finally {
        finished.countDown();
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
          // already shutting down: the hook is running
        }
      }
    }
  }

  /** Loads or obtains the node certificate; waits a while for a coordinator that is not up yet. */
  private void enrol(NodeCredential credential, AgentConfig config) throws EnrolmentRefused, java.io.IOException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      try {
        NodeEnrolment.ensure(credential, config.coordinators(), config.token(), caFile, config.name());
        return;
      } catch (java.io.IOException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        try {
          Thread.sleep(1000);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }

  /** Validates the options into a config; bad input becomes a usage error (exit code 2). */
  AgentConfig config() {
    List<String> coordinators;
    try {
      coordinators = CoordinatorEndpoints.parse(coordinator).all();
    } catch (IllegalArgumentException e) {
      throw bad("--coordinator: " + e.getMessage());
    }
    if (token != null && token.isBlank()) {
      throw bad("--token must not be empty");
    }
    if (caFile != null && !java.nio.file.Files.isRegularFile(caFile)) {
      throw bad("--ca-file: no file " + caFile);
    }
    URI dockerHost;
    try {
      dockerHost = new URI(docker);
    } catch (URISyntaxException e) {
      throw bad("--docker: '" + docker + "' is not a URI (e.g. unix:///var/run/docker.sock)");
    }
    if (dockerHost.getScheme() == null) {
      throw bad("--docker: '" + docker + "' has no scheme (e.g. unix:///var/run/docker.sock)");
    }
    String nodeAddress = address != null ? checkedAddress(address)
        : HostAddress.firstNonLoopbackIpv4().orElseThrow(() ->
            bad("no non-loopback IPv4 address found on this host: give --address IP"));
    String nodeName = name != null ? name.trim() : HostName.local();
    if (nodeName.isEmpty()) {
      throw bad("--name must not be empty");
    }
    Map<String, String> nodeLabels;
    try {
      nodeLabels = Labels.parse(labels);
    } catch (IllegalArgumentException e) {
      throw bad("--labels: " + e.getMessage());
    }
    if (resyncSeconds < 1) {
      throw bad("--resync-seconds must be at least 1");
    }
    if (keepAliveSeconds < 0) {
      throw bad("--keepalive-seconds must not be negative");
    }
    return new AgentConfig(coordinators, token, dockerHost, nodeAddress, nodeName, nodeLabels,
        dataDir.toAbsolutePath(), hostsFile, Duration.ofSeconds(resyncSeconds),
        Duration.ofSeconds(keepAliveSeconds));
  }

  private String checkedAddress(String ip) {
    String a = ip.trim();
    // Literal addresses only: a name here would be resolved once and silently go stale.
    if (!a.matches("[0-9.]+") && !a.contains(":")) {
      throw bad("--address: '" + ip + "' is not an IP address");
    }
    try {
      return InetAddress.getByName(a).getHostAddress();
    } catch (UnknownHostException e) {
      throw bad("--address: '" + ip + "' is not an IP address");
    }
  }

  private ParameterException bad(String message) {
    return new ParameterException(spec.commandLine(), message);
  }
}
