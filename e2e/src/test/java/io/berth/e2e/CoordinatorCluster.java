package io.berth.e2e;

import io.berth.proto.ClusterStatusRequest;
import io.berth.proto.ClusterStatusResponse;
import io.berth.proto.ControlServiceGrpc;
import io.berth.proto.Member;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * N coordinator processes on loopback forming one Raft group, each startable and killable, plus
 * spare slots for members added later with --join (a Raft configuration change).
 */
final class CoordinatorCluster implements AutoCloseable {
  final Path dir;
  final Path logs;
  final int size;
  final int slots;
  final int[] grpc;
  final int[] dns;
  final int[] http;
  final int[] raft;
  final BerthProcess[] processes;
  private final ManagedChannel[] channels;
  private final boolean[] everStarted;
  private int restarts;

  CoordinatorCluster(Path dir, Path logs, int size) throws IOException {
    this(dir, logs, size, 0);
  }

  /** {@code size} members listed at bootstrap, and {@code spare} slots for members added later (started with {@link #start(int)}: --join and the token). */
  CoordinatorCluster(Path dir, Path logs, int size, int spare) throws IOException {
    this.dir = dir;
    this.logs = logs;
    this.size = size;
    this.slots = size + spare;
    grpc = new int[slots];
    dns = new int[slots];
    http = new int[slots];
    raft = new int[slots];
    processes = new BerthProcess[slots];
    channels = new ManagedChannel[slots];
    everStarted = new boolean[slots];
    for (int i = 0; i < slots; i++) {
      grpc[i] = freePort();
      dns[i] = freePort();
      http[i] = freePort();
      raft[i] = freePort();
    }
  }

  /** The admin credential member 0 wrote at bootstrap (for this cluster only). */
  Path configDir() {
    return dir.resolve("client");
  }

  Map<String, String> cliEnv() {
    return Map.of("BERTH_CONFIG_DIR", configDir().toString());
  }

  String peers() {
    List<String> p = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      p.add("127.0.0.1:" + raft[i]);
    }
    return String.join(",", p);
  }

  String endpoint(int i) {
    return "127.0.0.1:" + grpc[i];
  }

  String memberId(int i) {
    return "c-127-0-0-1-" + raft[i];
  }

  /**
   * Starts member i without waiting. Member 0 makes the cluster (--bootstrap --peers: the CA, the
   * token); the others' first start joins it with the token (--join: they fetch the CA); restarts
   * use their data dir.
   */
  void start(int i) throws IOException {
    if (i >= size) {
      // An added member restarts from its data dir through any member, without the token.
      start(i, everStarted[i] ? List.of("--join", endpoint(liveOtherThan(i))) : List.of("--join", endpoint(liveOtherThan(i)),
          "--token", token()));
      return;
    }
    if (i == 0 || everStarted[i]) {
      start(i, List.of("--bootstrap", "--peers", peers()));
    } else {
      start(i, List.of("--join", endpoint(0), "--token", token()));
    }
  }

  /** Starts slot i with the given mode arguments (--bootstrap ... or --join ...), without waiting. */
  void start(int i, List<String> mode) throws IOException {
    processes[i] = launch(i, mode);
    everStarted[i] = true;
  }

  /** Runs `coordinator start` for slot i's ports and data dir; the process may be refused (bad input). */
  BerthProcess launch(int i, List<String> mode) throws IOException {
    return launch(i, mode, dir.resolve("c" + i));
  }

  BerthProcess launch(int i, List<String> mode, Path dataDir) throws IOException {
    return launch(i, mode, dataDir, raft[i]);
  }

  /** As {@link #launch(int, List, Path)} with another Raft port (to try one that is taken). */
  BerthProcess launch(int i, List<String> mode, Path dataDir, int raftPort) throws IOException {
    List<String> args = new ArrayList<>(List.of("coordinator", "start"));
    args.addAll(mode);
    args.addAll(List.of("--data-dir", dataDir.toString(),
        "--bind", "127.0.0.1", "--grpc-port", "" + grpc[i], "--dns-port", "" + dns[i], "--raft-port", "" + raftPort,
        "--http-port", "" + http[i], "--node-ttl-ms", "10000", "--dns-upstream", "none"));
    args.addAll(i == 0 ? List.of("--config-dir", configDir().toString()) : List.of("--no-client-config"));
    return BerthProcess.start(logs.resolve("coordinator-" + i + "-" + (restarts++) + ".log"), args.toArray(new String[0]));
  }

  /** A member other than i whose process runs (to join through). */
  int liveOtherThan(int i) {
    for (int j = 0; j < slots; j++) {
      if (j != i && alive(j)) {
        return j;
      }
    }
    throw new IllegalStateException("no live member to join through");
  }

  /** Runs `berth ARGS --coordinator` member i's endpoint with this cluster's admin credential. */
  BerthProcess.Result berth(int i, String... args) throws IOException, InterruptedException {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--coordinator", endpoint(i)));
    return BerthProcess.run(Duration.ofSeconds(90), cliEnv(), all.toArray(new String[0]));
  }

  void awaitUp(int i) {
    // A member retries its Raft start itself (up to 3 x 90 s) when its peers are slow to let it in.
    processes[i].awaitOutput("berth agent start --coordinator", Duration.ofSeconds(300));
  }

  void startAll() throws IOException {
    start(0);
    // The others' first start needs the token member 0 writes before its Raft member is up.
    Await.until("member 0's join token", Duration.ofSeconds(60), () -> Files.exists(dir.resolve("c0/join-token")));
    for (int i = 1; i < size; i++) {
      start(i);
    }
    for (int i = 0; i < size; i++) {
      awaitUp(i);
    }
  }

  String token() throws IOException {
    return Files.readString(dir.resolve("c0/join-token")).trim();
  }

  ControlServiceGrpc.ControlServiceBlockingStub api(int i) {
    synchronized (channels) {
      if (channels[i] == null) {
        channels[i] = AdminChannel.open(endpoint(i), configDir());
      }
    }
    return ControlServiceGrpc.newBlockingStub(channels[i]).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  /** The member holding the leader claim (the Raft leader running the leader loops), as member i sees it. */
  Optional<Integer> leaderSeenBy(int i) {
    ClusterStatusResponse s = api(i).getClusterStatus(ClusterStatusRequest.getDefaultInstance());
    for (Member m : s.getMembersList()) {
      if (m.getLeader()) {
        for (int j = 0; j < slots; j++) {
          if (memberId(j).equals(m.getId())) {
            return Optional.of(j);
          }
        }
      }
    }
    return Optional.empty();
  }

  boolean alive(int i) {
    return processes[i] != null && processes[i].process.isAlive();
  }

  void kill(int i) throws InterruptedException {
    processes[i].kill();
  }

  @Override
  public void close() throws InterruptedException {
    for (ManagedChannel c : channels) {
      if (c != null) {
        c.shutdownNow();
      }
    }
    for (BerthProcess p : processes) {
      if (p != null) {
        p.close();
      }
    }
  }

  static int freePort() throws IOException {
    return LocalCluster.freePort();
  }
}
