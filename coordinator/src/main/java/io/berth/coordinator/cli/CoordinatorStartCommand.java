package io.berth.coordinator.cli;

import io.berth.coordinator.Coordinator;
import io.berth.coordinator.CoordinatorOptions;
import io.berth.coordinator.http.AgentBundle;
import io.berth.coordinator.security.AdminCredential;
import io.berth.coordinator.security.ClusterSecrets;
import io.berth.coordinator.state.StoreConfig;
import io.berth.proto.ClusterJoinResponse;
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
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code berth coordinator start --bootstrap --data-dir DIR}: runs until killed. */
@Command(name = "start", description = "Start a coordinator in the foreground.", mixinStandardHelpOptions = true)
public final class CoordinatorStartCommand implements Callable<Integer> {

  static final class Mode {
    @Option(names = "--bootstrap", required = true, description = "Create a new cluster (or restart the one in --data-dir).")
    boolean bootstrap;

    @Option(names = "--join", required = true, paramLabel = "HOST:PORT",
        description = "Join the cluster of the coordinator at HOST:PORT (its gRPC port): a member listed at bootstrap, "
            + "or a new one added to the Raft group. With a data dir that already holds a member, restarts it (no --token needed).")
    String join;
  }

  @Spec
  CommandSpec spec;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Mode mode;

  @Option(names = "--data-dir", required = true, description = "Where this member keeps its Raft log and identity.")
  Path dataDir;

  @Option(names = "--bind", defaultValue = "0.0.0.0", description = "Address to listen on (default ${DEFAULT-VALUE}).")
  String bind;

  @Option(names = "--advertise", description = "Address peers, agents and containers reach this coordinator at (default: --bind, or the host's first non-loopback IPv4).")
  String advertise;

  @Option(names = "--grpc-port", defaultValue = "7070") int grpcPort;
  @Option(names = "--http-port", defaultValue = "7080",
      description = "HTTP and HTTPS on one port: install.sh, /ca.crt, the agent bundle (default ${DEFAULT-VALUE}).") int httpPort;
  @Option(names = "--agent-bundle", paramLabel = "FILE",
      description = "The agent bundle install.sh downloads (default: bundle/target/berth-agent-linux-ARCH.tar.gz of this installation).")
  Path agentBundle;
  @Option(names = "--dns-port", defaultValue = "53") int dnsPort;
  @Option(names = "--raft-port", defaultValue = "7090") int raftPort;
  @Option(names = "--zone", defaultValue = "berth.", description = "The cluster's DNS zone (default ${DEFAULT-VALUE}).") String zone;
  @Option(names = "--heartbeat-ms", defaultValue = "1000") long heartbeatMs;
  @Option(names = "--node-ttl-ms", defaultValue = "5000", description = "A node not heard from for this long is down.") long nodeTtlMs;
  @Option(names = "--dns-ttl", defaultValue = "5", description = "Default TTL of DNS answers, seconds.") long dnsTtl;
  @Option(names = "--no-client-config", description = "Do not write the client config and admin credential (~/.berth).") boolean noClientConfig;
  @Option(names = "--config-dir", paramLabel = "DIR",
      description = "Where to write the client config and admin credential (default: BERTH_CONFIG_DIR, else ~/.berth).")
  Path configDir;
  @Option(names = "--node-cert-validity", defaultValue = "90d", paramLabel = "N{s|m|h|d}",
      description = "Lifetime of the node certificates this member signs; agents renew at 2/3 of it (default ${DEFAULT-VALUE}).")
  String nodeCertValidity;
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
      description = "Raft election timeout: a follower that has not heard the leader for this long (plus up to as much again, at random) starts an election; clients' Raft sessions time out after 5 s or twice this, whichever is longer (default ${DEFAULT-VALUE}).")
  long raftElectionMs;
  @Option(names = "--raft-heartbeat-ms", defaultValue = "100",
      description = "How often the Raft leader heartbeats its followers; at most half the election timeout (default ${DEFAULT-VALUE}).")
  long raftHeartbeatMs;
  @Option(names = "--raft-segment-mb", defaultValue = "64",
      description = "Size of one Raft log segment file in MiB. The log is dropped a whole segment at a time behind a snapshot, and a follower further behind than the log kept is sent the whole snapshot instead: larger segments keep more log on disk for slow followers (default ${DEFAULT-VALUE}).")
  int raftSegmentMb;

  @Override
  public Integer call() throws Exception {
    if (raftSegmentMb < 1 || raftSegmentMb > 1024) {
      System.err.println("berth: --raft-segment-mb " + raftSegmentMb + ": from 1 to 1024 MiB");
      return 2;
    }
    String adv = advertise != null ? advertise : (bind.equals("0.0.0.0") ? firstRoutableIpv4() : bind);
    java.util.List<String> members = peers;
    boolean addMember = false;
    if (mode.join != null) {
      Path dir = dataDir.toAbsolutePath();
      try {
        JoinPlan plan = JoinPlan.of(dir, mode.join, token);
        if (plan.restart()) {
          System.out.println("Data dir " + dir + " holds member " + plan.memberId() + " of this cluster: restarting it");
        } else {
          ClusterJoinResponse joined = SeedClient.join(mode.join, token, adv + ":" + raftPort);
          members = joined.getPeersList();
          addMember = joined.getAddMember();
          ClusterSecrets.install(dir, joined.getCaKeyPem(), joined.getCaPem(), joined.getMeta());
        }
      } catch (SeedClient.JoinRefused e) {
        System.err.println("berth: cannot join " + mode.join + ": " + e.getMessage());
        return 1;
      }
    }
    StoreConfig.Timings timings;
    try {
      timings = StoreConfig.Timings.of(Duration.ofMillis(raftElectionMs), Duration.ofMillis(raftHeartbeatMs));
    } catch (IllegalArgumentException e) {
      System.err.println("berth: " + e.getMessage());
      return 2;
    }
    CoordinatorOptions options = new CoordinatorOptions(dataDir.toAbsolutePath(), true, bind, adv, grpcPort, dnsPort,
        raftPort, zone, Duration.ofMillis(heartbeatMs), Duration.ofMillis(nodeTtlMs), dnsTtl, members,
        timings, dnsUpstreams, dnsClients, lifetime(nodeCertValidity), httpPort,
        spec.commandLine().getParseResult().hasMatchedOption("--http-port"),
        agentBundle != null ? agentBundle.toAbsolutePath()
            : AgentBundle.defaultLocation(Path.of(System.getProperty("berth.home", ".")).toAbsolutePath()),
        addMember, raftSegmentMb * 1024 * 1024);
    Coordinator c;
    try {
      c = Coordinator.start(options);
    } catch (IllegalStateException | java.io.UncheckedIOException e) {
      System.err.println("berth: " + e.getMessage());
      return 1;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    c.removed().thenAccept(why -> {
      System.err.println("berth: " + why);
      System.exit(3); // the shutdown hook closes the coordinator
    });
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      c.close();
      stopped.countDown();
    }, "berth-shutdown"));
    if (!noClientConfig) {
      Path dir = ClientConfig.directory(configDir);
      var admin = AdminCredential.files(dir);
      // Keep a credential that is already this cluster's; replace one of another cluster.
      if (!admin.exists() || !ClientConfig.load(ClientConfig.file(dir)).map(ClientConfig::caFingerprint)
          .orElse("").equals(c.caFingerprint())) {
        AdminCredential.write(c.ca(), dir);
      }
      new ClientConfig(c.grpcEndpoint(), c.caFingerprint()).save(ClientConfig.file(dir));
      System.out.println("Admin credential and client config in " + dir + " (mode 0600): `berth` commands on this "
          + "host use them; copy the directory to use the cluster from elsewhere");
    }
    System.out.println("Berth coordinator " + c.memberId() + " is up: gRPC " + c.grpcEndpoint() + " (mutual TLS), DNS "
        + adv + ":" + c.dnsPort() + " (zone " + c.zone() + "), Raft " + adv + ":" + raftPort);
    String shown = c.joinToken().orElse(null);
    if (shown != null) {
      System.out.println("Join token (also in " + c.tokenFile() + "):");
      System.out.println("  " + shown);
    } else {
      System.out.println("Join token: this member does not know the current one (it was rotated elsewhere, or this "
          + "member joined): `berth token rotate` prints a new one. The CA's SHA-256 is " + c.caFingerprint());
    }
    if (c.httpPort() > 0 && shown != null) {
      System.out.println("Install an agent on each host with:");
      System.out.println("  curl -sfL http://" + adv + ":" + c.httpPort() + "/install.sh | sh -s - --token " + shown);
      System.out.println("or, from a Berth checkout, start one with:");
    } else {
      System.out.println("Start an agent on each host with:");
    }
    System.out.println("  berth agent start --coordinator " + c.grpcEndpoint() + " --token "
        + (shown != null ? shown : "BERTH1-" + c.caFingerprint() + "-<secret>"));
    System.out.flush();
    stopped.await();
    return 0;
  }

  /** "30s", "15m", "12h", "90d"; at least 30 s, so a renewal at 2/3 has time to happen. */
  static Duration lifetime(String text) {
    var m = java.util.regex.Pattern.compile("(\\d+)([smhd])").matcher(text.trim());
    if (!m.matches()) {
      throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(new CoordinatorStartCommand()),
          "--node-cert-validity: '" + text + "' is not N followed by s, m, h or d (e.g. 90d)");
    }
    long n = Long.parseLong(m.group(1));
    Duration d = switch (m.group(2)) {
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
    if (d.compareTo(Duration.ofSeconds(30)) < 0) {
      throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(new CoordinatorStartCommand()),
          "--node-cert-validity must be at least 30s");
    }
    return d;
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
