package io.berth.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.e2e.lab.Command;
import io.berth.e2e.lab.Lab;
import io.berth.e2e.lab.LabExtension;
import io.berth.e2e.lab.LabHost;
import io.berth.e2e.lab.LabRequirements;
import io.berth.e2e.lab.Timings;
import io.berth.proto.NodeRecord;
import io.berth.proto.NodeStatus;
import io.berth.proto.TaskView;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * examples/zookeeper.yaml on the multi-host lab: three ZooKeeper 3.9 servers on distinct hosts,
 * configured with nothing but Berth names, form a quorum; data written through one server is read
 * through another; when the host of one server dies, Berth moves that server (same name) to the
 * spare host and the ensemble keeps serving writes.
 */
@ExtendWith(LabExtension.class)
@Order(LabExtension.CLASS_ORDER + 2)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ZooKeeperLabE2ETest {
  static final String JOB = "zookeeper";
  static final String GROUP = "zk";
  static final Duration SETTLE = Duration.ofSeconds(120);
  /** A ZooKeeper client in the server's image, using the server's jars and quiet logging. */
  static final String CLI = "java -Xmx64m -Dlogback.configurationFile=/tmp/zk/conf/logback.xml"
      + " -cp '/opt/zookeeper/lib/*' org.apache.zookeeper.ZooKeeperMain -server ";

  final String run = UUID.randomUUID().toString().substring(0, 6);
  Lab lab;
  List<TaskView> servers;
  /** The host the failure scenario crashed, restarted in {@link #cleanUp()} if a test failed midway. */
  String crashed;

  @BeforeAll
  void start(Lab lab) {
    this.lab = lab;
    LabRequirements.requireWorkload("zookeeper/lib/zookeeper-3.9.5.jar");
  }

  @AfterAll
  void cleanUp() {
    if (lab == null) {
      return;
    }
    if (crashed != null) {
      lab.startHost(crashed);
    }
    lab.stopJob(JOB);
    lab.stopJob("spread");
  }

  @Test
  @Order(1)
  void threeServersOnDistinctHostsFormAQuorumByName() throws Exception {
    Timings.time("zookeeper: ensemble of 3 up, quorum formed", () -> {
      lab.run(lab.example("zookeeper.yaml"));
      servers = lab.awaitRunning(JOB, GROUP, 3, SETTLE);
      Set<String> nodes = servers.stream().map(t -> t.getTask().getNode()).collect(Collectors.toSet());
      assertEquals(3, nodes.size(), "one server per host: " + servers);

      // The configuration holds names, not addresses: Berth's names are the whole wiring.
      TaskView first = servers.get(0);
      String cfg = lab.hostOf(first).shell(first.getTask().getContainerId(), "grep '^server\\.' /tmp/zk/conf/zoo.cfg");
      assertEquals(List.of(
              "server.1=0.zk.zookeeper.default.berth:2888:3888",
              "server.2=1.zk.zookeeper.default.berth:2888:3888",
              "server.3=2.zk.zookeeper.default.berth:2888:3888"),
          cfg.lines().toList());

      Map<String, String> modes = Await.until("one leader and two followers", SETTLE, this::modes,
          m -> m.values().stream().filter("leader"::equals).count() == 1
              && m.values().stream().filter("follower"::equals).count() == 2);
      System.out.println("[zookeeper] modes: " + modes);
    });
  }

  @Test
  @Order(2)
  void aWriteThroughOneServerIsReadThroughAnotherOnAnotherHost() throws Exception {
    Timings.time("zookeeper: write via server 1, read via server 3", () -> {
      TaskView writer = servers.get(0);
      TaskView reader = servers.get(2);
      String path = "/berth-lab-" + run;
      String created = cli(writer, writer.getName(), "create " + path + " written-on-" + writer.getTask().getNode());
      assertTrue(created.contains("Created " + path), created);
      String read = cli(reader, reader.getName(), "get " + path);
      assertTrue(read.lines().anyMatch(l -> l.trim().equals("written-on-" + writer.getTask().getNode())),
          "read through " + reader.getName() + ":\n" + read);
    });
  }

  @Test
  @Order(3)
  void whenAServersHostDiesBerthMovesItAndTheEnsembleKeepsQuorum() throws Exception {
    Timings.time("zookeeper: leader's host crashes -> node down, server moved (or why not), writes go on", () -> {
      Map<String, String> modes = modes();
      TaskView victim = servers.stream().filter(t -> "leader".equals(modes.get(t.getName()))).findFirst()
          .orElse(servers.get(1));
      int index = victim.getTask().getIndex();
      String name = victim.getName();
      List<TaskView> survivors = servers.stream().filter(t -> t != victim).toList();
      System.out.println("[zookeeper] crashing " + victim.getTask().getNode() + ", host of " + name
          + " (" + modes.get(name) + ")");

      long t0 = System.nanoTime();
      crashed = victim.getTask().getNode();
      lab.crashHost(crashed);

      NodeRecord down = Await.until("node " + crashed + " down", Duration.ofSeconds(30),
          () -> lab.node(crashed).orElseThrow(), n -> n.getStatus() == NodeStatus.NODE_DOWN);
      System.out.println("[zookeeper] " + crashed + " down after " + ms(t0) + " ms: " + down.getStatusReason());

      if (lab.hosts().size() <= 3) {
        // No spare host: the slot cannot move (`unique`), and Berth says exactly why; the two
        // survivors are still a quorum.
        String status = Await.until("`berth job status` to say why " + name + " is not placed", SETTLE,
            () -> lab.berth("job", "status", JOB).out(), out -> out.contains("not placed"));
        String line = status.lines().filter(l -> l.contains("not placed")).findFirst().orElseThrow();
        System.out.println("[zookeeper] " + line);
        assertTrue(line.contains(GROUP + ": 1 of") && line.contains("not ready") && line.contains("unique"), line);
        TaskView client = survivors.get(0);
        String path = "/after-crash-" + run;
        Await.until("a write through " + client.getName() + " after the crash", SETTLE,
            () -> cli(client, client.getName(), "create " + path + " survived"), out -> out.contains("Created " + path));
        return;
      }

      // The slot keeps its name and moves to the host no server used (4 hosts, `unique`).
      TaskView moved = Await.until(name + " running on another host", SETTLE, () -> lab.running(JOB, GROUP),
              ts -> ts.stream().anyMatch(t -> t.getTask().getIndex() == index && !t.getTask().getNode().equals(crashed)))
          .stream().filter(t -> t.getTask().getIndex() == index).findFirst().orElseThrow();
      System.out.println("[zookeeper] " + name + " running on " + moved.getTask().getNode() + " after " + ms(t0) + " ms");
      assertEquals(name, moved.getName(), "a replacement keeps the slot's name");
      assertNotEquals(victim.getTask().getId(), moved.getTask().getId());
      Set<String> nodes = lab.running(JOB, GROUP).stream().map(t -> t.getTask().getNode()).collect(Collectors.toSet());
      assertEquals(3, nodes.size(), "still one server per host");
      assertFalse(nodes.contains(crashed));
      Await.until(name + " resolving to " + moved.getAddress(), Duration.ofSeconds(30),
          () -> lab.dns(name, Type.A).getSection(Section.ANSWER).stream()
              .filter(r -> r instanceof ARecord).map(r -> ((ARecord) r).getAddress().getHostAddress()).toList(),
          a -> a.equals(List.of(moved.getAddress())));

      // Two of three servers are a quorum: a write through a survivor succeeds.
      TaskView client = survivors.get(0);
      String path = "/after-crash-" + run;
      String created = Await.until("a write through " + client.getName() + " after the crash", SETTLE,
          () -> cli(client, client.getName(), "create " + path + " survived"), out -> out.contains("Created " + path));
      System.out.println("[zookeeper] write acknowledged " + ms(t0) + " ms after the crash");
      assertTrue(created.contains("Created " + path));

      // The moved server rejoins by name and serves the data it never saw written.
      servers = lab.awaitRunning(JOB, GROUP, 3, SETTLE);
      Map<String, String> after = Await.until("the moved server to rejoin", SETTLE, this::modes,
          m -> Set.of("leader", "follower").contains(m.get(name))
              && m.values().stream().filter("leader"::equals).count() == 1);
      System.out.println("[zookeeper] " + name + " rejoined as " + after.get(name) + " after " + ms(t0) + " ms");
      String read = cli(moved, name, "get " + path);
      assertTrue(read.lines().anyMatch(l -> l.trim().equals("survived")), read);
    });
  }

  @Test
  @Order(4)
  void theCrashedHostComesBackWithoutAStaleServer() throws Exception {
    Timings.time("zookeeper: crashed host restarted, its stale server not restarted", () -> {
      String host = crashed;
      lab.startHost(host);
      crashed = null;
      Await.until("node " + host + " ready", Duration.ofSeconds(60),
          () -> lab.node(host).map(n -> n.getStatus() == NodeStatus.NODE_READY).orElse(false));
      if (lab.hosts().size() <= 3) {
        // The only host the slot may use is back: the server returns there, under its name.
        lab.awaitRunning(JOB, GROUP, 3, SETTLE);
        return;
      }
      LabHost h = lab.host(host);
      // The agent finds the dead server's container and, as its task was replaced, removes it.
      Await.until("no zookeeper container left on " + host, Duration.ofSeconds(60),
          () -> h.docker("ps", "-aq", "--filter", "label=berth.job=" + JOB).isBlank());
      assertEquals(3, lab.running(JOB, GROUP).size());
    });
  }

  @Test
  @Order(5)
  void aServerWithNoFreeHostIsReportedWithTheReason() throws Exception {
    Timings.time("placement: one task more than hosts under `unique` is reported", () -> {
      int hosts = lab.hosts().size();
      lab.run("spread.yaml", """
          name: spread
          groups:
            - name: s
              count: %d
              image: lab/busybox:1
              constraints:
                - {attribute: hostname, operator: unique}
              command: ["/bin/sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
          """.formatted(hosts + 1));
      lab.awaitRunning("spread", "s", hosts, SETTLE);
      String status = Await.until("`berth job status spread` to say why one task is not placed", Duration.ofSeconds(30),
          () -> lab.berth("job", "status", "spread").out(), out -> out.contains("not placed"));
      System.out.println("[placement] " + status.lines().filter(l -> l.contains("not placed")).findFirst().orElse(""));
      String line = status.lines().filter(l -> l.contains("not placed")).findFirst().orElseThrow();
      // e.g. "not placed: s: 1 of 5 not placed: 4 nodes evaluated: 4 failed constraint hostname unique"
      assertTrue(line.contains("s: 1 of"), line);
      assertTrue(line.contains(hosts + " nodes evaluated"), line);
      assertTrue(line.contains("constraint") && line.contains("unique"), "the reason names the constraint: " + line);
    });
  }

  /** Each server's mode (leader, follower, or what went wrong), asked by name with `srvr`. */
  private Map<String, String> modes() {
    TaskView from = servers.get(0);
    LabHost h = lab.hostOf(from);
    return lab.running(JOB, GROUP).stream().collect(Collectors.toMap(TaskView::getName, t -> {
      Command.Result r = h.tryShell(from.getTask().getContainerId(), "echo srvr | nc -N -w 3 " + t.getName() + " 2181");
      return r.out().lines().filter(l -> l.startsWith("Mode: ")).map(l -> l.substring(6).trim()).findFirst()
          .orElse("no answer: " + r.out().trim());
    }));
  }

  /** ZooKeeper's own CLI, run inside a server's container, against a server named by Berth. */
  private String cli(TaskView in, String server, String command) {
    Command.Result r = lab.hostOf(in).tryShell(in.getTask().getContainerId(), CLI + server + ":2181 " + command + " 2>&1");
    return r.out();
  }

  private static long ms(long t0) {
    return (System.nanoTime() - t0) / 1_000_000;
  }
}
