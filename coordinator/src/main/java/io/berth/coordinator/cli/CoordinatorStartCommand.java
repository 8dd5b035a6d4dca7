package io.berth.coordinator.cli;

import io.berth.coordinator.Coordinator;
import io.berth.coordinator.CoordinatorOptions;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code berth coordinator start --bootstrap --data-dir DIR}: runs until killed. */
@Command(name = "start", description = "Start a coordinator in the foreground.", mixinStandardHelpOptions = true)
public final class CoordinatorStartCommand implements Callable<Integer> {

  static final class Mode {
    @Option(names = "--bootstrap", required = true, description = "Create a new cluster (or restart the one in --data-dir).")
    boolean bootstrap;

    @Option(names = "--join", required = true, paramLabel = "HOST:PORT", description = "Join an existing cluster (not yet available).")
    String join;
  }

  @ArgGroup(exclusive = true, multiplicity = "1")
  Mode mode;

  @Option(names = "--data-dir", required = true, description = "Where this member keeps its Raft log and identity.")
  Path dataDir;

  @Option(names = "--bind", defaultValue = "0.0.0.0", description = "Address to listen on (default ${DEFAULT-VALUE}).")
  String bind;

  @Option(names = "--advertise", description = "Address peers, agents and containers reach this coordinator at (default: --bind, or the host's first non-loopback IPv4).")
  String advertise;

  @Option(names = "--grpc-port", defaultValue = "7070") int grpcPort;
  @Option(names = "--http-port", defaultValue = "7080", description = "Reserved for install.sh and the agent bundle.") int httpPort;
  @Option(names = "--dns-port", defaultValue = "53") int dnsPort;
  @Option(names = "--raft-port", defaultValue = "7090") int raftPort;
  @Option(names = "--zone", defaultValue = "berth.", description = "The cluster's DNS zone (default ${DEFAULT-VALUE}).") String zone;
  @Option(names = "--heartbeat-ms", defaultValue = "1000") long heartbeatMs;
  @Option(names = "--node-ttl-ms", defaultValue = "5000", description = "A node not heard from for this long is down.") long nodeTtlMs;
  @Option(names = "--dns-ttl", defaultValue = "5", description = "Default TTL of DNS answers, seconds.") long dnsTtl;
  @Option(names = "--no-client-config", description = "Do not write ~/.berth/config.json.") boolean noClientConfig;

  @Override
  public Integer call() throws Exception {
    if (mode.join != null) {
      System.err.println("berth: --join is not available yet: this build runs one-member clusters (start with --bootstrap)");
      return 2;
    }
    String adv = advertise != null ? advertise : (bind.equals("0.0.0.0") ? firstRoutableIpv4() : bind);
    CoordinatorOptions options = new CoordinatorOptions(dataDir.toAbsolutePath(), true, bind, adv, grpcPort, dnsPort,
        raftPort, zone, Duration.ofMillis(heartbeatMs), Duration.ofMillis(nodeTtlMs), dnsTtl);
    Coordinator c;
    try {
      c = Coordinator.start(options);
    } catch (IllegalStateException e) {
      System.err.println("berth: " + e.getMessage());
      return 1;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      c.close();
      stopped.countDown();
    }, "berth-shutdown"));
    Path tokenFile = c.writeTokenFile();
    if (!noClientConfig) {
      new ClientConfig(c.grpcEndpoint(), c.joinToken()).save(ClientConfig.defaultPath());
    }
    System.out.println("Berth coordinator is up: gRPC " + c.grpcEndpoint() + ", DNS " + adv + ":" + c.dnsPort()
        + " (zone " + c.zone() + "), Raft " + adv + ":" + raftPort);
    System.out.println("Join token (also in " + tokenFile + "):");
    System.out.println("  " + c.joinToken());
    System.out.println("Start an agent on each host with:");
    System.out.println("  berth agent start --coordinator " + c.grpcEndpoint() + " --token " + c.joinToken());
    System.out.flush();
    stopped.await();
    return 0;
  }

  static String firstRoutableIpv4() throws SocketException {
    for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      if (!nif.isUp() || nif.isLoopback()) {
        continue;
      }
      for (InetAddress a : Collections.list(nif.getInetAddresses())) {
        if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
          return a.getHostAddress();
        }
      }
    }
    return "127.0.0.1";
  }
}
