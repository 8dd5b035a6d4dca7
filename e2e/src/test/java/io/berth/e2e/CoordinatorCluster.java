package io.berth.e2e;

import io.berth.proto.ClusterStatusRequest;
import io.berth.proto.ClusterStatusResponse;
import io.berth.proto.ControlServiceGrpc;
import io.berth.proto.Member;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** N coordinator processes on loopback forming one Raft group, each startable and killable. */
final class CoordinatorCluster implements AutoCloseable {
  final Path dir;
  final Path logs;
  final int size;
  final int[] grpc;
  final int[] dns;
  final int[] raft;
  final BerthProcess[] processes;
  final ManagedChannel[] channels;
  private int restarts;

  CoordinatorCluster(Path dir, Path logs, int size) throws IOException {
    this.dir = dir;
    this.logs = logs;
    this.size = size;
    grpc = new int[size];
    dns = new int[size];
    raft = new int[size];
    processes = new BerthProcess[size];
    channels = new ManagedChannel[size];
    for (int i = 0; i < size; i++) {
      grpc[i] = freePort();
      dns[i] = freePort();
      raft[i] = freePort();
      channels[i] = NettyChannelBuilder.forTarget(endpoint(i)).usePlaintext().build();
    }
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

  /** Starts member i (first start or restart, from its data dir) without waiting. */
  void start(int i) throws IOException {
    processes[i] = BerthProcess.start(logs.resolve("coordinator-" + i + "-" + (restarts++) + ".log"),
        "coordinator", "start", "--bootstrap", "--peers", peers(), "--data-dir", dir.resolve("c" + i).toString(),
        "--bind", "127.0.0.1", "--grpc-port", "" + grpc[i], "--dns-port", "" + dns[i], "--raft-port", "" + raft[i],
        "--no-client-config", "--node-ttl-ms", "10000", "--dns-upstream", "none");
  }

  void awaitUp(int i) {
    // A member retries its Raft start itself (up to 3 x 90 s) when its peers are slow to let it in.
    processes[i].awaitOutput("berth agent start --coordinator", Duration.ofSeconds(300));
  }

  void startAll() throws IOException {
    for (int i = 0; i < size; i++) {
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
    return ControlServiceGrpc.newBlockingStub(channels[i]).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  /** The member holding the leader claim (the Raft leader running the leader loops), as member i sees it. */
  Optional<Integer> leaderSeenBy(int i) {
    ClusterStatusResponse s = api(i).getClusterStatus(ClusterStatusRequest.getDefaultInstance());
    for (Member m : s.getMembersList()) {
      if (m.getLeader()) {
        for (int j = 0; j < size; j++) {
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
      c.shutdownNow();
    }
    for (BerthProcess p : processes) {
      if (p != null) {
        p.close();
      }
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
