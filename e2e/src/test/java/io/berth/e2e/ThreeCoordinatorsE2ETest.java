package io.berth.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.proto.ListJobsRequest;
import io.berth.proto.ListNodesRequest;
import io.berth.proto.ListTasksRequest;
import io.berth.proto.NodeRecord;
import io.berth.proto.NodeStatus;
import io.berth.proto.RunJobRequest;
import io.berth.proto.TaskState;
import io.berth.proto.TaskView;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * Three coordinator processes (Raft on disk), agents as processes, a real dockerd: the control
 * plane loses members, its leader, an agent and a node, and keeps every acknowledged write and
 * every running container.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ThreeCoordinatorsE2ETest {
  static final String IMAGE = "lab/busybox:1";
  static final Duration SETTLE = Duration.ofSeconds(90);

  final String run = UUID.randomUUID().toString().substring(0, 6);
  final String job = "fo-" + run;
  final String n1 = "a-" + run;
  final String n2 = "b-" + run;
  Path work;
  Path logs;
  CoordinatorCluster cluster;
  BerthProcess agent1;
  BerthProcess agent2;

  @BeforeAll
  void start() throws Exception {
    Docker.requireEngineAndImage(IMAGE);
    work = Files.createTempDirectory("berth-e2e3-");
    logs = BerthProcess.home().resolve("e2e/target/e2e-logs/three-" + run);
    cluster = new CoordinatorCluster(work, logs, 3);
    cluster.startAll();
    agent1 = startAgent(n1, 0);
    agent2 = startAgent(n2, 1);
    Await.until("both nodes ready", SETTLE, () -> status(n1) == NodeStatus.NODE_READY && status(n2) == NodeStatus.NODE_READY);
  }

  @AfterAll
  void stop() throws Exception {
    for (BerthProcess p : new BerthProcess[] {agent1, agent2}) {
      if (p != null) {
        p.close();
      }
    }
    if (cluster != null) {
      cluster.close();
    }
    Docker.removeWithLabel("berth.node", n1);
    Docker.removeWithLabel("berth.node", n2);
  }

  @Test
  @Order(1)
  void killingTheLeaderKeepsWritesDnsAndContainers() throws Exception {
    submit(0, 2);
    awaitRunning(2);
    Set<String> before = Set.copyOf(Docker.containersWithLabel("berth.job", job, true));
    assertEquals(2, before.size());

    int leader = Await.until("a leader", SETTLE, () -> cluster.leaderSeenBy(0), Optional::isPresent).get();
    List<Integer> survivors = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      if (i != leader) {
        survivors.add(i);
      }
    }
    DnsProbe probe = new DnsProbe(survivors.stream().map(i -> cluster.dns[i]).toList(), "0.w." + job + ".default.berth.");
    probe.start();
    // Each member's zone follows its own copy of the state: both survivors must have seen the
    // tasks running before the failover starts, or a lagging one's NXDOMAIN would count against it.
    Await.until("both survivors answering for the task", SETTLE, () -> probe.everyMemberAnswered());
    probe.countFromNow();

    long killedAt = System.nanoTime();
    cluster.kill(leader);
    try {
      failOver(leader, killedAt, survivors, before, probe);
    } finally {
      // Later tests need all three members, whatever happened here.
      probe.stop();
      cluster.start(leader);
      cluster.awaitUp(leader);
    }
  }

  private void failOver(int leader, long killedAt, List<Integer> survivors, Set<String> before, DnsProbe probe)
      throws Exception {
    // The next acknowledged write, through whichever survivor takes it first.
    Await.until("a write acknowledged after the leader's death", SETTLE, () -> {
      for (int i : survivors) {
        try {
          submit(i, 3);
          return true;
        } catch (RuntimeException e) {
          // not yet: no quorum or no leader
        }
      }
      return false;
    });
    long writeMs = (System.nanoTime() - killedAt) / 1_000_000;
    System.out.println("[figure] next acknowledged write after kill -9 of the leader: " + writeMs + " ms");

    int newLeader = Await.until("a new leader", SETTLE, () -> cluster.leaderSeenBy(survivors.get(0)),
        l -> l.isPresent() && l.get() != leader).get();
    assertNotEquals(leader, newLeader);
    awaitRunning(3);
    Set<String> after = Set.copyOf(Docker.containersWithLabel("berth.job", job, true));
    assertTrue(after.containsAll(before), "containers that were running are never restarted by a failover: before "
        + before + " after " + after);
    assertEquals(3, after.size());

    // No node is judged down because of the failover (the new leader's grace period).
    long windowEnd = System.nanoTime() + Duration.ofSeconds(8).toNanos();
    while (System.nanoTime() < windowEnd) {
      assertEquals(NodeStatus.NODE_READY, status(n1, survivors.get(0)));
      assertEquals(NodeStatus.NODE_READY, status(n2, survivors.get(0)));
      Thread.sleep(250);
    }
    probe.stop();
    System.out.println("[figure] DNS answers from survivors during the failover: " + probe.answered.get()
        + " ok, " + probe.failed.get() + " failed");
    assertEquals(0, probe.failed.get(), "every query to a surviving member was answered: " + probe.lastFailure);
    assertTrue(probe.answered.get() > 20, "the probe ran");
  }

  @Test
  @Order(2)
  void aRestartedAgentAdoptsItsContainers() throws Exception {
    Set<String> before = Set.copyOf(Docker.containersWithLabel("berth.node", n1, true));
    assertTrue(!before.isEmpty(), "n1 runs something");
    agent1.kill();
    agent1 = startAgent(n1, 2);
    Await.until("n1 back with a session", SETTLE, () -> agent1.output().contains("session open"));
    Await.until("n1 ready", SETTLE, () -> status(n1) == NodeStatus.NODE_READY);
    awaitRunning(3);
    assertEquals(before, Set.copyOf(Docker.containersWithLabel("berth.node", n1, true)),
        "the same containers, adopted, none started twice");
    assertEquals(3, Docker.containersWithLabel("berth.job", job, true).size());
  }

  @Test
  @Order(3)
  void aSilentNodesTasksMoveAndItsCopiesStopWhenItReturns() throws Exception {
    agent2.kill(); // its containers keep running, but nobody vouches for n2 any more
    Await.until("n2 marked down after its TTL", SETTLE, () -> status(n2) == NodeStatus.NODE_DOWN);
    List<TaskView> moved = Await.until("3 running tasks, all on n1", SETTLE, this::liveTasks,
        ts -> ts.size() == 3 && ts.stream().allMatch(t -> t.getTask().getNode().equals(n1)
            && t.getTask().getState() == TaskState.TASK_RUNNING));
    assertEquals(3, moved.size());
    assertTrue(!Docker.containersWithLabel("berth.node", n2, true).isEmpty(), "n2's old copies still run while it is away");

    agent2 = startAgent(n2, 0);
    Await.until("n2's replaced copies stopped", SETTLE,
        () -> Docker.containersWithLabel("berth.node", n2, true).stream()
            .noneMatch(id -> Docker.run("inspect", "--format", "{{index .Config.Labels \"berth.job\"}}", id).trim().equals(job)));
    Await.until("n2 ready again", SETTLE, () -> status(n2) == NodeStatus.NODE_READY);
    assertEquals(3, Docker.containersWithLabel("berth.job", job, true).size(), "exactly one copy of each task");
  }

  @Test
  @Order(4)
  void acknowledgedJobsSurviveMemberKillsAndAFullRestart() throws Exception {
    Random random = new Random(run.hashCode());
    List<String> acknowledged = new ArrayList<>();
    for (int round = 0; round < 10; round++) {
      int victim = random.nextInt(3);
      cluster.kill(victim);
      String name = "ack-" + run + "-" + round;
      Await.until("job " + name + " acknowledged", SETTLE, () -> {
        for (int i = 0; i < 3; i++) {
          if (i == victim) {
            continue;
          }
          try {
            cluster.api(i).runJob(RunJobRequest.newBuilder().setSourceName(name + ".yaml")
                .setSpecYaml("name: " + name + "\ngroups: [{name: g, count: 0, image: " + IMAGE + "}]\n").build());
            return true;
          } catch (RuntimeException e) {
            // try the next survivor
          }
        }
        return false;
      });
      acknowledged.add(name);
      cluster.start(victim);
      cluster.awaitUp(victim);
    }
    for (int i = 0; i < 3; i++) {
      cluster.kill(i);
    }
    cluster.startAll();
    for (int i = 0; i < 3; i++) {
      int member = i;
      Set<String> present = Await.until("member " + i + " to list every acknowledged job", SETTLE,
          () -> cluster.api(member).listJobs(ListJobsRequest.getDefaultInstance()).getJobsList().stream()
              .map(j -> j.getJob().getSpec().getName()).collect(Collectors.toSet()),
          names -> names.containsAll(acknowledged));
      assertTrue(present.containsAll(acknowledged));
    }
  }

  private BerthProcess startAgent(String name, int coordinator) throws Exception {
    return BerthProcess.start(logs.resolve("agent-" + name + "-" + System.nanoTime() + ".log"),
        "agent", "start", "--coordinator", cluster.endpoint(coordinator), "--token", cluster.token(),
        "--name", name, "--address", "127.0.0.1", "--data-dir", work.resolve("agent-" + name).toString());
  }

  private void submit(int coordinator, int count) {
    cluster.api(coordinator).runJob(RunJobRequest.newBuilder().setSourceName(job + ".yaml").setSpecYaml("""
        name: %s
        groups:
          - name: w
            count: %d
            image: %s
            command: ["/bin/sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
        """.formatted(job, count, IMAGE)).build());
  }

  private void awaitRunning(int n) {
    Await.until(n + " running tasks of " + job, SETTLE, this::liveTasks,
        ts -> ts.size() == n && ts.stream().allMatch(t -> t.getTask().getState() == TaskState.TASK_RUNNING));
  }

  private List<TaskView> liveTasks() {
    for (int i = 0; i < 3; i++) {
      if (cluster.alive(i)) {
        try {
          return cluster.api(i).listTasks(ListTasksRequest.newBuilder().setJob(job).build()).getTasksList();
        } catch (RuntimeException e) {
          // ask the next member
        }
      }
    }
    throw new IllegalStateException("no coordinator answered");
  }

  private NodeStatus status(String node) {
    for (int i = 0; i < 3; i++) {
      if (cluster.alive(i)) {
        try {
          return status(node, i);
        } catch (RuntimeException e) {
          // ask the next member
        }
      }
    }
    throw new IllegalStateException("no coordinator answered");
  }

  private NodeStatus status(String node, int coordinator) {
    return cluster.api(coordinator).listNodes(ListNodesRequest.getDefaultInstance()).getNodesList().stream()
        .filter(n -> n.getFacts().getName().equals(node)).map(NodeRecord::getStatus).findFirst()
        .orElse(NodeStatus.NODE_STATUS_UNSPECIFIED);
  }

  /** Queries the given DNS ports in a loop and counts answers that are not a correct NOERROR. */
  static final class DnsProbe {
    final List<Integer> ports;
    final String name;
    final AtomicInteger answered = new AtomicInteger();
    final AtomicInteger failed = new AtomicInteger();
    final AtomicBoolean running = new AtomicBoolean(true);
    volatile String lastFailure = "";
    private final Set<Integer> answering = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final Thread thread;

    DnsProbe(List<Integer> ports, String name) {
      this.ports = ports;
      this.name = name;
      this.thread = new Thread(this::loop, "dns-probe");
    }

    void start() {
      thread.start();
    }

    boolean everyMemberAnswered() {
      return answering.containsAll(ports);
    }

    /** Forgets what was counted so far: the figures then cover only what follows. */
    void countFromNow() {
      answered.set(0);
      failed.set(0);
      lastFailure = "";
    }

    void stop() throws InterruptedException {
      running.set(false);
      thread.join(10_000);
    }

    private void loop() {
      while (running.get()) {
        for (int port : ports) {
          try {
            SimpleResolver r = new SimpleResolver(InetAddress.getByName("127.0.0.1"));
            r.setPort(port);
            r.setTimeout(Duration.ofSeconds(1));
            Message m = r.send(Message.newQuery(Record.newRecord(Name.fromString(name), Type.A, DClass.IN)));
            if (m.getRcode() == Rcode.NOERROR && !m.getSection(org.xbill.DNS.Section.ANSWER).isEmpty()) {
              answered.incrementAndGet();
              answering.add(port);
            } else {
              failed.incrementAndGet();
              lastFailure = port + ": " + Rcode.string(m.getRcode());
            }
          } catch (Exception e) {
            failed.incrementAndGet();
            lastFailure = port + ": " + e;
          }
        }
        try {
          Thread.sleep(50);
        } catch (InterruptedException e) {
          return;
        }
      }
    }
  }
}
