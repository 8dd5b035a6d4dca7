package io.berth.e2e;

import io.berth.proto.ControlServiceGrpc;
import io.berth.proto.ListNodesRequest;
import io.berth.proto.NodeRecord;
import io.berth.proto.NodeStatus;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One coordinator and any number of agents as bin/berth processes on this machine's dockerd
 * (each agent a node of its own name, all on 127.0.0.1), with a control API stub and a CLI runner.
 */
final class LocalCluster implements AutoCloseable {
  static final Duration SETTLE = Duration.ofSeconds(60);

  final Path work;
  final Path logs;
  final String endpoint;
  final String token;
  /** The coordinator's DNS server, on 127.0.0.1. */
  final int dnsPort;
  final ControlServiceGrpc.ControlServiceBlockingStub api;
  private final BerthProcess coordinator;
  private final List<BerthProcess> agents = new ArrayList<>();
  private final List<String> nodes = new ArrayList<>();
  private final ManagedChannel channel;

  private LocalCluster(Path work, Path logs, String endpoint, String token, int dnsPort, BerthProcess coordinator) {
    this.work = work;
    this.dnsPort = dnsPort;
    this.logs = logs;
    this.endpoint = endpoint;
    this.token = token;
    this.coordinator = coordinator;
    this.channel = AdminChannel.open(endpoint, configDir(work));
    this.api = ControlServiceGrpc.newBlockingStub(channel);
  }

  /** This cluster's client config and admin credential (not ~/.berth: tests run clusters side by side). */
  static Path configDir(Path work) {
    return work.resolve("client");
  }

  /** The environment every CLI call of this cluster gets. */
  Map<String, String> cliEnv() {
    return Map.of("BERTH_CONFIG_DIR", configDir(work).toString());
  }

  /** Starts a bootstrapped coordinator on free loopback ports; logs go to e2e/target/e2e-logs/NAME. */
  static LocalCluster start(String name) throws IOException {
    Path work = Files.createTempDirectory("berth-e2e-");
    Path logs = BerthProcess.home().resolve("e2e/target/e2e-logs/" + name);
    int grpc = freePort();
    int dns = freePort();
    BerthProcess c = BerthProcess.start(logs.resolve("coordinator.log"),
        "coordinator", "start", "--bootstrap", "--data-dir", work.resolve("coord").toString(),
        "--bind", "127.0.0.1", "--grpc-port", "" + grpc, "--dns-port", "" + dns,
        "--raft-port", "" + freePort(), "--http-port", "" + freePort(), "--config-dir", configDir(work).toString());
    c.awaitOutput("berth agent start --coordinator", Duration.ofSeconds(120));
    String token = Files.readString(work.resolve("coord/join-token")).trim();
    return new LocalCluster(work, logs, "127.0.0.1:" + grpc, token, dns, c);
  }

  /** Starts an agent named {@code node} and waits until its node is ready. */
  LocalCluster agent(String node) throws IOException {
    agents.add(BerthProcess.start(logs.resolve("agent-" + node + ".log"),
        "agent", "start", "--coordinator", endpoint, "--token", token, "--name", node,
        "--address", "127.0.0.1", "--data-dir", work.resolve("agent-" + node).toString()));
    nodes.add(node);
    Await.until("node " + node + " ready", SETTLE,
        () -> node(node).map(n -> n.getStatus() == NodeStatus.NODE_READY).orElse(false));
    return this;
  }

  Optional<NodeRecord> node(String name) {
    return api.listNodes(ListNodesRequest.getDefaultInstance()).getNodesList().stream()
        .filter(n -> n.getFacts().getName().equals(name)).findFirst();
  }

  /** Runs `berth ARGS --coordinator ENDPOINT`. */
  BerthProcess.Result berth(String... args) {
    String[] all = new String[args.length + 2];
    System.arraycopy(args, 0, all, 0, args.length);
    all[args.length] = "--coordinator";
    all[args.length + 1] = endpoint;
    try {
      return BerthProcess.run(Duration.ofSeconds(60), cliEnv(), all);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Writes a job file into the work directory and returns its path. */
  Path file(String name, String yaml) throws IOException {
    Path f = work.resolve(name);
    Files.writeString(f, yaml);
    return f;
  }

  @Override
  public void close() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    for (BerthProcess a : agents) {
      a.close();
    }
    coordinator.close();
    for (String n : nodes) {
      Docker.removeWithLabel("berth.node", n);
    }
  }

  private static final java.util.Set<Integer> PORTS_GIVEN = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /**
   * A port for a process to listen on, free for TCP and UDP now, never handed out twice in this
   * JVM, and below the kernel's ephemeral range (32768-60999), where {@code new ServerSocket(0)}
   * picks: a coordinator killed and restarted on its ports finds them still free, not taken by
   * some process's outbound connection meanwhile.
   */
  static int freePort() throws IOException {
    java.util.Random random = java.util.concurrent.ThreadLocalRandom.current();
    for (int attempt = 0; attempt < 1000; attempt++) {
      int port = 20_000 + random.nextInt(12_000);
      if (!PORTS_GIVEN.contains(port) && bindable(port) && PORTS_GIVEN.add(port)) {
        return port;
      }
    }
    throw new IOException("no free port between 20000 and 32000");
  }

  private static boolean bindable(int port) {
    try (ServerSocket tcp = new ServerSocket(port); java.net.DatagramSocket udp = new java.net.DatagramSocket(port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
