package io.berth.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.proto.ControlServiceGrpc;
import io.berth.proto.ListJobsRequest;
import io.berth.proto.ListNodesRequest;
import io.berth.proto.ListTasksRequest;
import io.berth.proto.NodeRecord;
import io.berth.proto.NodeStatus;
import io.berth.proto.TaskState;
import io.berth.proto.TaskView;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * The walking skeleton end to end on real parts: a coordinator and agents as separate OS
 * processes started through bin/berth, a real dockerd, real DNS packets over UDP and TCP.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OneHostClusterE2ETest {
  static final String IMAGE = "lab/busybox:1";
  static final Duration SETTLE = Duration.ofSeconds(60);

  final String run = UUID.randomUUID().toString().substring(0, 6);
  final String job = "web-" + run;
  final String node = "e2e-" + run;
  Path work;
  int grpcPort;
  int dnsPort;
  String endpoint;
  String token;
  BerthProcess coordinator;
  BerthProcess agent;
  ManagedChannel channel;
  ControlServiceGrpc.ControlServiceBlockingStub api;

  @BeforeAll
  void startCluster() throws Exception {
    Docker.requireEngineAndImage(IMAGE);
    assertTrue(Files.isExecutable(BerthProcess.launcher()), "bin/berth missing at " + BerthProcess.launcher());
    work = Files.createTempDirectory("berth-e2e-");
    Path logs = BerthProcess.home().resolve("e2e/target/e2e-logs/" + run);
    grpcPort = CoordinatorCluster.freePort();
    dnsPort = CoordinatorCluster.freePort();
    int raftPort = CoordinatorCluster.freePort();
    endpoint = "127.0.0.1:" + grpcPort;
    coordinator = BerthProcess.start(logs.resolve("coordinator.log"),
        "coordinator", "start", "--bootstrap", "--data-dir", work.resolve("coord").toString(),
        "--bind", "127.0.0.1", "--grpc-port", "" + grpcPort, "--dns-port", "" + dnsPort,
        "--raft-port", "" + raftPort, "--http-port", "" + CoordinatorCluster.freePort(), "--config-dir", work.resolve("client").toString(),
        // Short-lived node certificates: the agents renew several times while these tests run.
        "--node-cert-validity", "45s");
    coordinator.awaitOutput("berth agent start --coordinator", Duration.ofSeconds(120));
    token = Files.readString(work.resolve("coord/join-token")).trim();
    assertTrue(coordinator.output().contains(token), "the coordinator prints the join token");

    agent = BerthProcess.start(logs.resolve("agent.log"),
        "agent", "start", "--coordinator", endpoint, "--token", token, "--name", node,
        "--address", "127.0.0.1", "--data-dir", work.resolve("agent").toString());
    channel = AdminChannel.open(endpoint, work.resolve("client"));
    api = ControlServiceGrpc.newBlockingStub(channel);
    Await.until("node " + node + " ready", SETTLE,
        () -> nodeRecord(node).map(n -> n.getStatus() == NodeStatus.NODE_READY).orElse(false));
  }

  @AfterAll
  void stopCluster() throws Exception {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    for (BerthProcess p : new BerthProcess[] {agent, coordinator}) {
      if (p != null) {
        p.close();
      }
    }
    Docker.removeWithLabel("berth.node", node);
  }

  @Test
  @Order(1)
  void nodeListShowsTheAgentsFacts() throws Exception {
    BerthProcess.Result r = berth("node", "ls");
    assertEquals(0, r.exit(), r.err());
    String line = r.out().lines().filter(l -> l.startsWith(node)).findFirst().orElseThrow(() -> new AssertionError(r.out()));
    assertTrue(line.contains("127.0.0.1") && line.contains("ready"), line);
    BerthProcess.Result json = berth("node", "ls", "-o", "json");
    assertTrue(json.out().contains("\"name\": \"" + node + "\""), json.out());
  }

  @Test
  @Order(2)
  void badJobFilesAreRefusedWithThePathAndCreateNothing() throws Exception {
    Path bad = work.resolve("bad.yaml");
    Files.writeString(bad, """
        name: bad-%s
        groups:
          - name: web
            count: -1
            colour: blue
        """.formatted(run));
    BerthProcess.Result r = berth("job", "run", "-f", bad.toString());
    assertEquals(2, r.exit(), r.out() + r.err());
    assertTrue(r.err().contains("bad.yaml"), r.err());
    assertTrue(r.err().contains("groups[0].count"), r.err());
    assertTrue(r.err().contains("groups[0].image: is required"), r.err());
    assertTrue(r.err().contains("groups[0].colour: unknown field"), r.err());
    boolean created = api.listJobs(ListJobsRequest.getDefaultInstance()).getJobsList().stream()
        .anyMatch(j -> j.getJob().getSpec().getName().equals("bad-" + run));
    assertTrue(!created, "a refused job must not be half-created");
  }

  @Test
  @Order(3)
  void threeReplicasRunWithLabelsAndResolveOverUdpAndTcp() throws Exception {
    Path file = work.resolve("web.yaml");
    Files.writeString(file, """
        name: %s
        groups:
          - name: web
            count: 3
            image: %s
            command: ["/bin/sh", "-c", "echo started $BERTH_TASK_NAME; trap 'exit 0' TERM; while true; do sleep 1; done"]
        """.formatted(job, IMAGE));
    BerthProcess.Result r = berth("job", "run", "-f", file.toString());
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("job " + job), r.out());

    List<TaskView> running = Await.until("3 running tasks of " + job, SETTLE, () -> tasks(job),
        ts -> ts.stream().filter(t -> t.getTask().getState() == TaskState.TASK_RUNNING).count() == 3);
    Set<String> taskIds = running.stream().map(t -> t.getTask().getId()).collect(Collectors.toSet());
    Set<Integer> indexes = running.stream().map(t -> t.getTask().getIndex()).collect(Collectors.toSet());
    assertEquals(Set.of(0, 1, 2), indexes);

    // Docker really runs them, labelled so the agent can find them again.
    List<String> containers = Docker.containersWithLabel("berth.job", job, true);
    assertEquals(3, containers.size(), "running containers of " + job);
    Set<String> labelled = new HashSet<>();
    for (String id : containers) {
      labelled.add(Docker.run("inspect", "--format", "{{index .Config.Labels \"berth.task\"}}", id).trim());
    }
    assertEquals(taskIds, labelled, "each container carries its task's id");

    // `berth ps` shows them by name.
    BerthProcess.Result ps = berth("ps", job);
    assertEquals(0, ps.exit(), ps.err());
    for (int i = 0; i < 3; i++) {
      assertTrue(ps.out().contains(i + ".web." + job + ".default.berth"), ps.out());
    }

    // Every task name answers with the node's address, authoritatively, over UDP and TCP.
    for (TaskView t : running) {
      for (boolean tcp : new boolean[] {false, true}) {
        Message m = query(t.getName() + ".", Type.A, tcp);
        assertEquals(Rcode.NOERROR, m.getRcode(), m.toString());
        assertTrue(m.getHeader().getFlag(Flags.AA), "authoritative: " + m);
        List<Record> answers = m.getSection(Section.ANSWER);
        assertEquals(1, answers.size(), m.toString());
        assertEquals(InetAddress.getByName("127.0.0.1"), ((ARecord) answers.get(0)).getAddress());
      }
    }
    Message group = query("web." + job + ".default.berth.", Type.A, false);
    assertEquals(Rcode.NOERROR, group.getRcode(), group.toString());
    assertTrue(!group.getSection(Section.ANSWER).isEmpty(), group.toString());
    Message missing = query("7.web." + job + ".default.berth.", Type.A, false);
    assertEquals(Rcode.NXDOMAIN, missing.getRcode(), missing.toString());
    assertTrue(missing.getSection(Section.AUTHORITY).stream().anyMatch(x -> x.getType() == Type.SOA), missing.toString());
    Message nodeName = query(node + ".node.berth.", Type.A, true);
    assertEquals(Rcode.NOERROR, nodeName.getRcode(), nodeName.toString());

    // The task's own output comes back through the agent's session.
    TaskView first = running.stream().filter(t -> t.getTask().getIndex() == 0).findFirst().orElseThrow();
    BerthProcess.Result logs = Await.until("logs of " + first.getTask().getId(), Duration.ofSeconds(20),
        () -> berthQuietly("logs", first.getTask().getId()), x -> x.exit() == 0 && x.out().contains("started"));
    assertTrue(logs.out().contains("started 0.web." + job + ".default.berth"), logs.out());
  }

  @Test
  @Order(4)
  void stoppingTheJobRemovesItsContainers() throws Exception {
    BerthProcess.Result r = berth("job", "stop", job);
    assertEquals(0, r.exit(), r.err());
    Await.until("no containers of " + job, SETTLE, () -> Docker.containersWithLabel("berth.job", job, false).isEmpty());
    Message gone = Await.until("the task names to be withdrawn from DNS", Duration.ofSeconds(20),
        () -> query("0.web." + job + ".default.berth.", Type.A, false), m -> m.getRcode() == Rcode.NXDOMAIN);
    assertEquals(Rcode.NXDOMAIN, gone.getRcode());
  }

  @Test
  @Order(5)
  void anImageMissingOnTheNodeIsReportedAndBacksOff() throws Exception {
    String nojob = "noimg-" + run;
    Path file = work.resolve("noimg.yaml");
    Files.writeString(file, """
        name: %s
        groups:
          - name: app
            image: lab/not-here:1
        """.formatted(nojob));
    assertEquals(0, berth("job", "run", "-f", file.toString()).exit());
    TaskView failed = Await.until("a failed task of " + nojob, SETTLE,
        () -> api.listTasks(ListTasksRequest.newBuilder().setJob(nojob).setAll(true).build()).getTasksList(),
        ts -> ts.stream().anyMatch(t -> t.getTask().getState() == TaskState.TASK_FAILED))
        .stream().filter(t -> t.getTask().getState() == TaskState.TASK_FAILED).findFirst().orElseThrow();
    assertTrue(failed.getTask().getMessage().contains("lab/not-here:1"), failed.getTask().getMessage());
    assertTrue(failed.getTask().getMessage().contains("not present"), failed.getTask().getMessage());
    BerthProcess.Result status = Await.until("the restart backoff in job status", SETTLE,
        () -> berthQuietly("job", "status", nojob), x -> x.out().contains("restarting in"));
    assertTrue(status.out().contains("app[0]: restarting in"), status.out());
    assertEquals(0, berth("job", "stop", nojob).exit());
  }

  @Test
  @Order(6)
  void aDeadDockerDaemonMakesTheNodeUnhealthyNotTheAgentCrash() throws Exception {
    String sick = "sick-" + run;
    Path logs = BerthProcess.home().resolve("e2e/target/e2e-logs/" + run);
    try (BerthProcess p = BerthProcess.start(logs.resolve("sick-agent.log"),
        "agent", "start", "--coordinator", endpoint, "--token", token, "--name", sick, "--address", "127.0.0.1",
        "--docker", "unix://" + work.resolve("no-such-docker.sock"), "--data-dir", work.resolve("sick").toString())) {
      NodeRecord n = Await.until("node " + sick + " unhealthy", SETTLE, () -> nodeRecord(sick),
          x -> x.isPresent() && x.get().getStatus() == NodeStatus.NODE_UNHEALTHY).orElseThrow();
      assertTrue(!n.getStatusReason().isEmpty(), "the reason is reported");
      assertTrue(p.process.isAlive(), "the agent keeps running:\n" + p.output());
    }
  }

  @Test
  @Order(7)
  void aWrongTokenIsRefusedClearly() throws Exception {
    String forged = token.substring(0, token.lastIndexOf('-') + 1) + "0000000000000000";
    BerthProcess.Result r = berth("agent", "start", "--coordinator", endpoint, "--token", forged,
        "--name", "forged-" + run, "--address", "127.0.0.1", "--data-dir", work.resolve("forged").toString());
    assertTrue(r.exit() != 0, "an agent with a forged token must not run");
    assertTrue((r.out() + r.err()).contains("join token is not valid for this cluster"), r.out() + r.err());
    assertTrue(nodeRecord("forged-" + run).isEmpty(), "a refused node is not registered");
    assertTrue(!Files.exists(work.resolve("forged/tls/node.crt")), "and holds no certificate");
  }

  @Test
  @Order(8)
  void aTokenForAnotherCaIsRefusedBeforeTheSecretIsSent() throws Exception {
    String otherCa = "BERTH1-" + "0".repeat(64) + token.substring(token.lastIndexOf('-'));
    BerthProcess.Result r = berth("agent", "start", "--coordinator", endpoint, "--token", otherCa,
        "--name", "wrongca-" + run, "--address", "127.0.0.1", "--data-dir", work.resolve("wrongca").toString());
    assertEquals(3, r.exit(), r.out() + r.err());
    assertTrue(r.err().contains("but the token expects") && r.err().contains("nothing was sent"), r.err());
    // The coordinator never saw an enrolment attempt (it logs each refusal).
    assertTrue(!coordinator.output().contains("wrongca-" + run), coordinator.output());
    assertTrue(nodeRecord("wrongca-" + run).isEmpty());
  }

  @Test
  @Order(9)
  void theCliWithoutTheAdminCredentialIsRefusedWithHowToGetOne() throws Exception {
    Path empty = Files.createDirectories(work.resolve("no-credential"));
    BerthProcess.Result r = BerthProcess.run(Duration.ofSeconds(60), java.util.Map.of("BERTH_CONFIG_DIR", empty.toString()),
        "node", "ls", "--coordinator", endpoint);
    assertEquals(2, r.exit(), r.out() + r.err());
    assertTrue(r.err().contains("no admin credential") && r.err().contains("admin-credential"), r.err());
    // A credential made on the coordinator host with its data dir works.
    Path made = work.resolve("made-credential");
    BerthProcess.Result mk = BerthProcess.run(Duration.ofSeconds(60), "coordinator", "admin-credential",
        "--data-dir", work.resolve("coord").toString(), "--out", made.toString(), "--coordinator", endpoint);
    assertEquals(0, mk.exit(), mk.out() + mk.err());
    assertEquals(java.util.Set.of(java.nio.file.attribute.PosixFilePermission.OWNER_READ,
        java.nio.file.attribute.PosixFilePermission.OWNER_WRITE), Files.getPosixFilePermissions(made.resolve("admin.key")));
    BerthProcess.Result ls = BerthProcess.run(Duration.ofSeconds(60), "node", "ls", "--config-dir", made.toString());
    assertEquals(0, ls.exit(), ls.err());
    assertTrue(ls.out().contains(node), ls.out());
    // An unauthenticated gRPC call (TLS, no client certificate) is refused too.
    io.grpc.ManagedChannel anonymous = NettyChannelBuilder.forTarget(endpoint, io.berth.tls.GrpcTls.anonymousClient(
        io.berth.tls.Pem.certificate(Files.readString(work.resolve("client/ca.crt"))))).build();
    try {
      io.grpc.StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(io.grpc.StatusRuntimeException.class,
          () -> ControlServiceGrpc.newBlockingStub(anonymous).listNodes(ListNodesRequest.getDefaultInstance()));
      assertEquals(io.grpc.Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
    } finally {
      anonymous.shutdownNow();
    }
  }

  @Test
  @Order(10)
  void anAgentRestartsWithItsCertificateAndNoToken() throws Exception {
    agent.close();
    Path logs = BerthProcess.home().resolve("e2e/target/e2e-logs/" + run);
    agent = BerthProcess.start(logs.resolve("agent-restarted.log"),
        "agent", "start", "--coordinator", endpoint, "--name", node,
        "--address", "127.0.0.1", "--data-dir", work.resolve("agent").toString());
    agent.awaitOutput("session open with coordinator", SETTLE);
    assertTrue(agent.output().contains("using node certificate for " + node), agent.output());
    // It renews its certificate at 2/3 of its 45 s. The second renewal is a new mTLS connection made
    // after the first certificate expired, so it proves the renewed one is in use.
    Await.until("two renewals", Duration.ofSeconds(120),
        () -> agent.output().split("node certificate of " + node + " renewed", -1).length - 1 >= 2);
    assertEquals(NodeStatus.NODE_READY, nodeRecord(node).orElseThrow().getStatus());
    BerthProcess.Result ls = berth("node", "ls");
    assertTrue(ls.out().lines().anyMatch(l -> l.startsWith(node) && l.contains("ready")), ls.out());
    // Its certificate cannot speak for another node.
    BerthProcess.Result other = berth("agent", "start", "--coordinator", endpoint, "--name", "other-" + run,
        "--address", "127.0.0.1", "--data-dir", work.resolve("agent").toString());
    assertEquals(3, other.exit());
    assertTrue(other.err().contains("is for node " + node), other.err());
  }

  @Test
  @Order(11)
  void aRemovedNodesAgentCannotReconnectAndOthersAreUndisturbed() throws Exception {
    String gone = "gone-" + run;
    Path logs = BerthProcess.home().resolve("e2e/target/e2e-logs/" + run);
    try (BerthProcess p = BerthProcess.start(logs.resolve("gone-agent.log"),
        "agent", "start", "--coordinator", endpoint, "--token", token, "--name", gone, "--address", "127.0.0.1",
        "--data-dir", work.resolve("gone").toString())) {
      Await.until("node " + gone + " ready", SETTLE,
          () -> nodeRecord(gone).map(n -> n.getStatus() == NodeStatus.NODE_READY).orElse(false));
      BerthProcess.Result rm = berth("node", "rm", gone);
      assertEquals(0, rm.exit(), rm.err());
      assertTrue(rm.out().contains("revoked"), rm.out());
      Await.until("the removed node's agent to stop", SETTLE, () -> !p.process.isAlive());
      assertEquals(3, p.process.exitValue(), p.output());
      assertTrue(p.output().contains("was removed from the cluster"), p.output());
      assertTrue(nodeRecord(gone).isEmpty(), "the node is gone");
      // Restarting it with its revoked certificate does not bring it back.
      BerthProcess.Result again = berth("agent", "start", "--coordinator", endpoint, "--name", gone,
          "--address", "127.0.0.1", "--data-dir", work.resolve("gone").toString());
      assertEquals(3, again.exit(), again.out() + again.err());
      assertTrue(nodeRecord(gone).isEmpty());
    }
    assertEquals(NodeStatus.NODE_READY, nodeRecord(node).orElseThrow().getStatus(), "the other node is undisturbed");
  }

  @Test
  @Order(12)
  void aRotatedTokenRefusesTheOldOneAndAdmitsTheNew() throws Exception {
    BerthProcess.Result rotate = berth("token", "rotate");
    assertEquals(0, rotate.exit(), rotate.err());
    String fresh = rotate.out().trim();
    assertTrue(fresh.startsWith("BERTH1-") && !fresh.equals(token), fresh);
    assertEquals(token.substring(0, 71), fresh.substring(0, 71), "the CA, so its hash, stays");
    BerthProcess.Result old = berth("agent", "start", "--coordinator", endpoint, "--token", token,
        "--name", "late-" + run, "--address", "127.0.0.1", "--data-dir", work.resolve("late").toString());
    assertEquals(3, old.exit(), old.out() + old.err());
    assertTrue(old.err().contains("not valid for this cluster"), old.err());
    Path logs = BerthProcess.home().resolve("e2e/target/e2e-logs/" + run);
    try (BerthProcess p = BerthProcess.start(logs.resolve("late-agent.log"),
        "agent", "start", "--coordinator", endpoint, "--token", fresh, "--name", "late-" + run,
        "--address", "127.0.0.1", "--data-dir", work.resolve("late").toString())) {
      Await.until("node late-" + run + " ready", SETTLE,
          () -> nodeRecord("late-" + run).map(n -> n.getStatus() == NodeStatus.NODE_READY).orElse(false));
    }
    assertEquals(NodeStatus.NODE_READY, nodeRecord(node).orElseThrow().getStatus(), "enrolled nodes are unaffected");
  }

  private List<TaskView> tasks(String jobName) {
    return api.listTasks(ListTasksRequest.newBuilder().setJob(jobName).build()).getTasksList();
  }

  private Optional<NodeRecord> nodeRecord(String name) {
    return api.listNodes(ListNodesRequest.getDefaultInstance()).getNodesList().stream()
        .filter(n -> n.getFacts().getName().equals(name)).findFirst();
  }

  private Message query(String name, int type, boolean tcp) {
    try {
      SimpleResolver r = new SimpleResolver(InetAddress.getByName("127.0.0.1"));
      r.setPort(dnsPort);
      r.setTCP(tcp);
      r.setTimeout(Duration.ofSeconds(3));
      return r.send(Message.newQuery(Record.newRecord(Name.fromString(name), type, DClass.IN)));
    } catch (IOException e) {
      throw new IllegalStateException("DNS query for " + name + " failed: " + e, e);
    }
  }

  private BerthProcess.Result berth(String... args) throws IOException, InterruptedException {
    String[] withCoordinator = args;
    if (!args[0].equals("agent")) {
      withCoordinator = new String[args.length + 2];
      System.arraycopy(args, 0, withCoordinator, 0, args.length);
      withCoordinator[args.length] = "--coordinator";
      withCoordinator[args.length + 1] = endpoint;
    }
    return BerthProcess.run(Duration.ofSeconds(60), java.util.Map.of("BERTH_CONFIG_DIR", work.resolve("client").toString()),
        withCoordinator);
  }

  private BerthProcess.Result berthQuietly(String... args) {
    try {
      return berth(args);
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

}
