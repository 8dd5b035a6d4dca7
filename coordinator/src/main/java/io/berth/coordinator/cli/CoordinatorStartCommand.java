package io.berth.coordinator.cli;

import io.berth.coordinator.Coordinator;
import io.berth.coordinator.CoordinatorOptions;
import io.berth.coordinator.state.StoreConfig;
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

    @Option(names = "--join", required = true, paramLabel = "HOST:PORT",
        description = "Join the cluster of the coordinator at HOST:PORT (its gRPC port) as one of its listed members.")
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
  @Option(names = "--peers", split = ",", paramLabel = "HOST:RAFTPORT",
      description = "With --bootstrap: every member's Raft address (3 or 5 for fault tolerance), this one included; start each member with the same list.")
  java.util.List<String> peers = new java.util.ArrayList<>();
  @Option(names = "--token", description = "With --join: the cluster's join token.") String token;
  @Option(names = "--dns-upstream", split = ",", paramLabel = "HOST[:PORT]",
      description = "Resolvers for names outside the zone (default: /etc/resolv.conf; 'none': do not forward).")
  java.util.List<String> dnsUpstreams = new java.util.ArrayList<>();
  @Option(names = "--dns-clients", split = ",", paramLabel = "CIDR",
      description = "Client networks the DNS forwards for (default: loopback, Docker bridges, the coordinator's /24).")
  java.util.List<String> dnsClients = new java.util.ArrayList<>();
  @Option(names = "--raft-election-ms", defaultValue = "500",
      description = "Raft election timeout: a follower that has not heard the leader for this long (plus up to as much again, at random) starts an election (default ${DEFAULT-VALUE}).")
  long raftElectionMs;
  @Option(names = "--raft-heartbeat-ms", defaultValue = "100",
      description = "How often the Raft leader heartbeats its followers; at most half the election timeout (default ${DEFAULT-VALUE}).")
  long raftHeartbeatMs;

  @Override
  public Integer call() throws Exception {
    String adv = advertise != null ? advertise : (bind.equals("0.0.0.0") ? firstRoutableIpv4() : bind);
    java.util.List<String> members = peers;
    if (mode.join != null) {
      if (token == null) {
        System.err.println("berth: --join needs --token (the token `berth coordinator start --bootstrap` printed)");
        return 2;
      }
      try {
        members = SeedClient.peers(mode.join, token, adv + ":" + raftPort);
      } catch (SeedClient.JoinRefused e) {
        System.err.println("berth: cannot join " + mode.join + ": " + e.getMessage());
        return 1;
      }
    }
    StoreConfig.Timings timings;
    try {
      timings = new StoreConfig.Timings(Duration.ofMillis(raftElectionMs), Duration.ofMillis(raftHeartbeatMs),
          StoreConfig.Timings.defaults().session());
    } catch (IllegalArgumentException e) {
      System.err.println("berth: " + e.getMessage());
      return 2;
    }
    CoordinatorOptions options = new CoordinatorOptions(dataDir.toAbsolutePath(), true, bind, adv, grpcPort, dnsPort,
        raftPort, zone, Duration.ofMillis(heartbeatMs), Duration.ofMillis(nodeTtlMs), dnsTtl, members,
        timings, dnsUpstreams, dnsClients);
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
    System.out.println("Berth coordinator " + c.memberId() + " is up: gRPC " + c.grpcEndpoint() + ", DNS " + adv + ":" + c.dnsPort()
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
