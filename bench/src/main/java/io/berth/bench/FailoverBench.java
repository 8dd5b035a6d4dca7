package io.berth.bench;

import io.berth.proto.ClusterStatusRequest;
import io.berth.proto.ClusterStatusResponse;
import io.berth.proto.ControlServiceGrpc;
import io.berth.proto.Member;
import io.berth.proto.RunJobRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Time from {@code kill -9} of the Raft leader to the next acknowledged write, for three Berth
 * coordinators (a {@code berth job run} through the gRPC API) and, in the same run and on the same
 * machine, three etcd members (a put through etcd's HTTP gateway) as the baseline. Each round kills
 * the current leader, then every survivor is written to in a loop from its own thread; the first
 * acknowledgement ends the round. The killed member is restarted and the group settles before the
 * next round.
 *
 * <p>Usage: {@code FailoverBench [rounds] [etcd-only]} (default 5 rounds); etcd is skipped when
 * /usr/bin/etcd is absent.
 */
public final class FailoverBench {
  private static final int SIZE = 3;

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    Path work = Files.createTempDirectory("berth-failover-");
    List<String> rows = new ArrayList<>();
    boolean berthToo = args.length < 2 || !args[1].equals("etcd-only");
    try (BerthGroup berth = berthToo ? new BerthGroup(work.resolve("berth")) : null) {
      if (berth != null) {
        berth.startAll();
        rows.add(row("Berth (atomix-raft RaftServer, election 500 ms, heartbeat 100 ms)", measure(berth, rounds)));
      }
    }
    if (Files.isExecutable(Path.of("/usr/bin/etcd"))) {
      try (EtcdGroup etcd = new EtcdGroup(work.resolve("etcd"))) {
        etcd.startAll();
        rows.add(row("etcd " + etcd.version() + " (defaults: election 1000 ms, heartbeat 100 ms)", measure(etcd, rounds)));
      }
    }
    System.out.println();
    System.out.println("| system | rounds | next acknowledged write: min / median / max (each round) | new leader reported by a survivor |");
    System.out.println("| --- | --- | --- | --- |");
    rows.forEach(System.out::println);
    System.exit(0);
  }

  /** Three members of something replicated, each killable and restartable. */
  interface Group extends AutoCloseable {
    default int leader() throws Exception {
      return leaderSeenBy(0);
    }

    /** The leader as member i reports it, -1 when it knows none. */
    int leaderSeenBy(int i) throws Exception;

    void kill(int i) throws Exception;

    /** One write through member i; true when acknowledged. */
    boolean write(int i, String key);

    void restart(int i) throws Exception;

    /** True once every member is up and there is a leader. */
    boolean settled();
  }

  /** Per round: next acknowledged write, and the new leader as a survivor reports it (ms after the kill). */
  record Rounds(List<Long> write, List<Long> leader) {}

  static Rounds measure(Group g, int rounds) throws Exception {
    List<Long> ms = new ArrayList<>();
    List<Long> leaderMs = new ArrayList<>();
    for (int round = 0; round < rounds; round++) {
      await("settled before round " + round, Duration.ofMinutes(3), g::settled);
      Thread.sleep(3000); // let followers catch up and the group idle, as in steady state
      int leader = g.leader();
      String key = "fo-" + round + "-" + System.nanoTime();
      AtomicLong firstAck = new AtomicLong();
      AtomicLong elected = new AtomicLong();
      List<Thread> writers = new ArrayList<>();
      long killedAt = System.nanoTime();
      g.kill(leader);
      int survivor = (leader + 1) % SIZE;
      Thread watcher = new Thread(() -> {
        while (elected.get() == 0 && System.nanoTime() - killedAt < TimeUnit.SECONDS.toNanos(60)) {
          try {
            int l = g.leaderSeenBy(survivor);
            if (l >= 0 && l != leader) {
              elected.set(System.nanoTime());
            }
          } catch (Exception e) {
            // not yet
          }
        }
      });
      watcher.start();
      for (int i = 0; i < SIZE; i++) {
        if (i == leader) {
          continue;
        }
        int member = i;
        Thread t = new Thread(() -> {
          while (firstAck.get() == 0 && System.nanoTime() - killedAt < TimeUnit.SECONDS.toNanos(60)) {
            if (g.write(member, key)) {
              firstAck.compareAndSet(0, System.nanoTime());
            }
          }
        });
        t.start();
        writers.add(t);
      }
      for (Thread t : writers) {
        t.join();
      }
      watcher.join();
      long took = (firstAck.get() - killedAt) / 1_000_000;
      long electedMs = (elected.get() - killedAt) / 1_000_000;
      System.out.println("round " + round + ": killed member " + leader + ", new leader seen after " + electedMs
          + " ms, next acknowledged write after " + took + " ms");
      ms.add(took);
      leaderMs.add(electedMs);
      g.restart(leader);
    }
    return new Rounds(ms, leaderMs);
  }

  static String row(String system, Rounds r) {
    return "| " + system + " | " + r.write().size() + " | " + stats(r.write()) + " | " + stats(r.leader()) + " |";
  }

  /** min / median / max, then every round. */
  static String stats(List<Long> ms) {
    List<Long> sorted = new ArrayList<>(ms);
    Collections.sort(sorted);
    return sorted.get(0) + " / " + sorted.get(sorted.size() / 2) + " / " + sorted.get(sorted.size() - 1) + " ms " + ms;
  }

  /** Three `berth coordinator start` processes. */
  static final class BerthGroup implements Group {
    final Path dir;
    final int[][] ports = new int[SIZE][3];
    final Process[] processes = new Process[SIZE];
    final ManagedChannel[] channels = new ManagedChannel[SIZE];
    final List<String> peers = new ArrayList<>();
    int starts;

    BerthGroup(Path dir) throws IOException {
      this.dir = dir;
      for (int i = 0; i < SIZE; i++) {
        for (int j = 0; j < 3; j++) {
          ports[i][j] = freePort();
        }
        peers.add("127.0.0.1:" + ports[i][2]);
        channels[i] = NettyChannelBuilder.forTarget("127.0.0.1:" + ports[i][0]).usePlaintext().build();
      }
    }

    void startAll() throws Exception {
      for (int i = 0; i < SIZE; i++) {
        start(i);
      }
      await("three coordinators and a leader", Duration.ofMinutes(3), this::settled);
    }

    void start(int i) throws IOException {
      Path home = Path.of(System.getenv().getOrDefault("BERTH_HOME", ".")).toAbsolutePath();
      List<String> cmd = List.of(home.resolve("bin/berth").toString(), "coordinator", "start", "--bootstrap",
          "--peers", String.join(",", peers), "--data-dir", dir.resolve("c" + i).toString(), "--bind", "127.0.0.1",
          "--grpc-port", "" + ports[i][0], "--dns-port", "" + ports[i][1], "--raft-port", "" + ports[i][2],
          "--no-client-config", "--dns-upstream", "none");
      Files.createDirectories(dir);
      processes[i] = new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectOutput(dir.resolve("coordinator-" + i + "-" + (starts++) + ".log").toFile()).start();
    }

    ControlServiceGrpc.ControlServiceBlockingStub api(int i, long seconds) {
      return ControlServiceGrpc.newBlockingStub(channels[i]).withDeadlineAfter(seconds, TimeUnit.SECONDS);
    }

    @Override
    public int leaderSeenBy(int i) {
      ClusterStatusResponse s = api(i, 2).getClusterStatus(ClusterStatusRequest.getDefaultInstance());
      for (Member m : s.getMembersList()) {
        if (m.getRaftLeader()) {
          return peers.indexOf(m.getAddress());
        }
      }
      return -1;
    }

    @Override
    public boolean settled() {
      try {
        for (int i = 0; i < SIZE; i++) {
          ClusterStatusResponse s = api(i, 5).getClusterStatus(ClusterStatusRequest.getDefaultInstance());
          if (s.getMembersList().stream().noneMatch(Member::getRaftLeader)
              || s.getMembersList().stream().anyMatch(m -> !m.getHealthy() || m.getAddress().isEmpty())) {
            return false;
          }
        }
        return leaderSeenBy(0) >= 0;
      } catch (RuntimeException e) {
        return false;
      }
    }

    @Override
    public void kill(int i) throws InterruptedException {
      processes[i].destroyForcibly().waitFor(10, TimeUnit.SECONDS); // SIGKILL: bin/berth execs the JVM
    }

    @Override
    public boolean write(int i, String key) {
      try {
        api(i, 10).runJob(RunJobRequest.newBuilder().setSourceName("failover.yaml").setSpecYaml("""
            name: %s
            groups:
              - name: t
                count: 1
                image: hollow
                resources: {cpu: 1m, memory: 1Mi}
            """.formatted(key)).build());
        return true;
      } catch (RuntimeException e) {
        return false;
      }
    }

    @Override
    public void restart(int i) throws IOException {
      start(i);
    }

    @Override
    public void close() {
      for (ManagedChannel c : channels) {
        c.shutdownNow();
      }
      for (Process p : processes) {
        if (p != null) {
          p.destroyForcibly();
        }
      }
    }
  }

  /** Three etcd members on loopback, written through the v3 HTTP gateway. */
  static final class EtcdGroup implements Group {
    static final Pattern MEMBER_ID = Pattern.compile("\"member_id\":\"(\\d+)\"");
    static final Pattern LEADER = Pattern.compile("\"leader\":\"(\\d+)\"");
    final Path dir;
    final int[] client = new int[SIZE];
    final int[] peer = new int[SIZE];
    final Process[] processes = new Process[SIZE];
    final String[] memberIds = new String[SIZE]; // learned while all are up: a dead member cannot be asked
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    int starts;

    EtcdGroup(Path dir) throws IOException {
      this.dir = dir;
      for (int i = 0; i < SIZE; i++) {
        client[i] = freePort();
        peer[i] = freePort();
      }
    }

    String version() throws IOException, InterruptedException {
      Process p = new ProcessBuilder("/usr/bin/etcd", "--version").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor();
      Matcher m = Pattern.compile("etcd Version: (\\S+)").matcher(out);
      return m.find() ? m.group(1) : "?";
    }

    void startAll() throws Exception {
      for (int i = 0; i < SIZE; i++) {
        start(i);
      }
      await("three etcd members and a leader", Duration.ofMinutes(1), this::settled);
    }

    void start(int i) throws IOException {
      List<String> cluster = new ArrayList<>();
      for (int j = 0; j < SIZE; j++) {
        cluster.add("e" + j + "=http://127.0.0.1:" + peer[j]);
      }
      Files.createDirectories(dir);
      List<String> cmd = List.of("/usr/bin/etcd", "--name", "e" + i, "--data-dir", dir.resolve("e" + i).toString(),
          "--listen-client-urls", "http://127.0.0.1:" + client[i],
          "--advertise-client-urls", "http://127.0.0.1:" + client[i],
          "--listen-peer-urls", "http://127.0.0.1:" + peer[i],
          "--initial-advertise-peer-urls", "http://127.0.0.1:" + peer[i],
          "--initial-cluster", String.join(",", cluster), "--initial-cluster-state", "new",
          "--initial-cluster-token", "berth-bench");
      processes[i] = new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectOutput(dir.resolve("etcd-" + i + "-" + (starts++) + ".log").toFile()).start();
    }

    String post(int i, String path, String json) throws IOException, InterruptedException {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + client[i] + path))
          .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString(json)).build(),
          HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new IOException("etcd " + path + ": HTTP " + r.statusCode() + " " + r.body());
      }
      return r.body();
    }

    String status(int i) throws IOException, InterruptedException {
      return post(i, "/v3/maintenance/status", "{}");
    }

    @Override
    public int leaderSeenBy(int seenBy) throws Exception {
      Matcher l = LEADER.matcher(status(seenBy));
      if (!l.find()) {
        return -1;
      }
      if (l.group(1).equals("0")) {
        return -1;
      }
      for (int i = 0; i < SIZE; i++) {
        if (memberIds[i] != null && memberIds[i].equals(l.group(1))) {
          return i;
        }
      }
      return -1;
    }

    @Override
    public boolean settled() {
      try {
        for (int i = 0; i < SIZE; i++) {
          Matcher m = MEMBER_ID.matcher(status(i));
          if (m.find()) {
            memberIds[i] = m.group(1);
          }
        }
        int l = leaderSeenBy(0);
        return l >= 0 && write(l, "settle");
      } catch (Exception e) {
        return false;
      }
    }

    @Override
    public void kill(int i) throws InterruptedException {
      processes[i].destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }

    /**
     * A put with etcd's own client (the v3 HTTP gateway proxies through a client of its own that waited
     * ~7 s here). A put issued while there is no leader waits for its whole command timeout (with 5 s
     * every round took 5.0 s), so the timeout is short and the writer simply tries again.
     */
    @Override
    public boolean write(int i, String key) {
      try {
        Process p = new ProcessBuilder("/usr/bin/etcdctl", "--endpoints=http://127.0.0.1:" + client[i],
            "--dial-timeout=1s", "--command-timeout=300ms", "put", key, "v").redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor() == 0;
      } catch (IOException e) {
        return false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }

    @Override
    public void restart(int i) throws IOException {
      start(i); // the data dir makes it rejoin as the same member
    }

    @Override
    public void close() {
      for (Process p : processes) {
        if (p != null) {
          p.destroyForcibly();
        }
      }
    }
  }

  static void await(String what, Duration timeout, BooleanSupplier done) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (done.getAsBoolean()) {
        return;
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("timed out waiting for " + what);
  }

  private static final ListenPorts PORTS = new ListenPorts();

  static int freePort() throws IOException {
    return PORTS.next();
  }
}
