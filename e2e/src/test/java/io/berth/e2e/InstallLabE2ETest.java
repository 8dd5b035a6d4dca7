package io.berth.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.e2e.lab.Command;
import io.berth.e2e.lab.Lab;
import io.berth.e2e.lab.LabExtension;
import io.berth.e2e.lab.LabHost;
import io.berth.e2e.lab.Timings;
import io.berth.proto.NodeStatus;
import io.berth.proto.TaskView;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The one-line install on a fresh host: a container from a minimal Debian image without Java
 * (lab/debian-curl:1), with the host network of a lab host and that host's Docker socket, runs
 * `curl -sfL http://COORD:7080/install.sh | sh -s - --token ...` exactly as a user would. The
 * node must become ready and run a task; a token pinning another CA must be refused before any
 * bundle download; a re-run must leave one agent; --uninstall must leave nothing.
 */
@ExtendWith(LabExtension.class)
@Order(LabExtension.CLASS_ORDER + 10)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class InstallLabE2ETest {
  static final String NODE = "installed";
  static final String IMAGE = "lab/debian-curl:1";
  static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(4);
  // The installed agent's and its supervisor's command lines; the brackets keep the scripts below
  // from matching themselves.
  static final String AGENT_COMMAND = "io.berth.agent.cli.AgentMai[n]";
  static final String SUPERVISOR_COMMAND = "berth-agent-supervis[e]";
  static final String COUNT_AGENTS = countScript(AGENT_COMMAND);
  static final String COUNT_SUPERVISORS = countScript(SUPERVISOR_COMMAND);
  // Whether the agent's JVM mapped the class archive install.sh dumped: a JVM that refuses an
  // archive (dumped for other paths, say) does not map it.
  static final String AGENT_MAPS_CLASS_ARCHIVE =
      forEachProcess(AGENT_COMMAND, "grep -q /opt/berth/agent/cds/agent.jsa $p/maps && exit 0") + " exit 1";

  /** A shell loop that runs {@code action} for each process whose command line matches {@code pattern}. */
  static String forEachProcess(String pattern, String action) {
    return "for p in /proc/[0-9]*; do c=$(tr '\\0' ' ' <$p/cmdline 2>/dev/null) || continue;"
        + " case \"$c\" in *" + pattern + "*) " + action + ";; esac; done;";
  }

  /** A shell script that prints how many processes' command lines match {@code pattern}. */
  static String countScript(String pattern) {
    return "n=0; " + forEachProcess(pattern, "n=$((n+1))") + " echo $n";
  }

  Lab lab;
  LabHost host;
  String container;
  String dataDir;

  @BeforeAll
  void freshHost(Lab lab) throws Exception {
    this.lab = lab;
    // The last lab host's daemon runs the "fresh host"; its agent stays, the installed one is a second node there.
    host = lab.hosts().get(lab.hosts().size() - 1);
    Timings.time("install: Debian image without Java present on " + host.name(), () -> Command.check(Duration.ofMinutes(10),
        List.of("env", "DOCKER_HOST=unix://" + host.dockerSocket(), lab.script().resolveSibling("images.sh").toString(), "debian")));
    container = "berth-install-" + UUID.randomUUID().toString().substring(0, 8);
    // The agent asks this daemon to bind-mount per-task files from its data dir: the same path on both sides.
    dataDir = "/var/lib/berth-lab/" + host.name() + "/" + container;
    host.docker("run", "-d", "--name", container, "--label", "berth.test=install", "--network", "host",
        "-v", host.dockerSocket() + ":/var/run/docker.sock", "-v", dataDir + ":" + dataDir,
        IMAGE, "sleep", "infinity");
  }

  @AfterAll
  void removeFreshHost() {
    if (host != null && container != null) {
      host.tryDocker("rm", "-f", container);
      Command.run(Duration.ofSeconds(30), List.of("rm", "-rf", dataDir));
    }
  }

  private Command.Result inFreshHost(String script) {
    return host.tryDocker("exec", container, "sh", "-c", script);
  }

  private String installLine(String token, String extra) {
    return "curl -sfL http://" + lab.httpAddress() + "/install.sh | sh -s - --token " + token + " --name " + NODE
        + " --address " + host.address() + " --data-dir " + dataDir + " --labels installed=yes" + extra;
  }

  private long bundleRequests() throws IOException, InterruptedException {
    String metrics = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://" + lab.httpAddress() + "/metrics")).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    long n = 0;
    Matcher m = Pattern.compile("route=\"bundle(_sha256)?\",status=\"\\d+\"} (\\d+)").matcher(metrics);
    while (m.find()) {
      n += Long.parseLong(m.group(2));
    }
    return n;
  }

  private int count(String script) {
    Command.Result r = inFreshHost(script);
    assertTrue(r.ok(), r.out());
    return Integer.parseInt(r.out().trim());
  }

  @Test
  @Order(1)
  void aTokenPinningAnotherCaIsRefusedBeforeAnyDownload() throws Exception {
    assertFalse(inFreshHost("command -v java").ok(), "the fresh host has no Java");
    String[] parts = lab.token().split("-", 3);
    String otherCa = parts[1].substring(0, 63) + (parts[1].charAt(63) == '0' ? '1' : '0');
    long before = bundleRequests();
    Command.Result r = inFreshHost(installLine("BERTH1-" + otherCa + "-" + parts[2], ""));
    assertFalse(r.ok(), r.out());
    assertTrue(r.out().contains("wrong token for this cluster"), r.out());
    assertEquals(before, bundleRequests(), "no bundle or checksum was requested");
    assertFalse(inFreshHost("test -e /opt/berth").ok(), "nothing was installed");
  }

  @Test
  @Order(2)
  void theOneLinerMakesAReadyNodeThatRunsATask() throws Exception {
    long before = bundleRequests();
    long t0 = System.nanoTime();
    Command.Result r = inFreshHost(installLine(lab.token(), ""));
    Timings.record("install: one-liner to node ready, bundle fetched fresh", Duration.ofNanos(System.nanoTime() - t0));
    assertTrue(r.ok(), "install.sh failed:\n" + r.out());
    assertTrue(r.out().contains("node " + NODE + " is ready"), r.out());
    assertEquals(before + 2, bundleRequests(), "the bundle and its checksum were fetched once each");
    assertTrue(lab.berthOk("node", "ls").lines().anyMatch(l -> l.startsWith(NODE + " ") && l.contains(" ready")),
        lab.berthOk("node", "ls"));
    assertEquals(NodeStatus.NODE_READY, lab.node(NODE).orElseThrow().getStatus());
    assertEquals(1, count(COUNT_AGENTS));
    assertEquals(1, count(COUNT_SUPERVISORS));
    assertTrue(inFreshHost("grep -q -- \"--ca-file '/opt/berth/ca.crt'\" /opt/berth/bin/berth-agent-run").ok(),
        "the agent is given the CA install.sh checked against the token");
    assertTrue(r.out().contains("dumping the agent's class archive"), r.out());
    assertTrue(inFreshHost(AGENT_MAPS_CLASS_ARCHIVE).ok(), "the installed agent runs with the class archive dumped for it");

    Timings.time("install: a task on the installed node running", () -> {
      lab.run("installed-task.yaml", """
          name: onfresh
          groups:
            - name: t
              count: 1
              image: lab/busybox:1
              command: ["/bin/sh", "-c", "echo hello from $BERTH_NODE; exec sleep 3600"]
              resources: {cpu: 10m, memory: 8Mi}
              constraints:
                - {attribute: label.installed, operator: "=", value: "yes"}
          """);
      TaskView t = lab.awaitRunning("onfresh", "t", 1, Duration.ofSeconds(90)).get(0);
      assertEquals(NODE, t.getTask().getNode());
      assertFalse(host.runningContainers("berth.agent", NODE).isEmpty(), "the installed agent ran it on " + host.name());
    });
    lab.stopJob("onfresh");
  }

  @Test
  @Order(3)
  void reRunningUpgradesInPlaceWithOneAgent() throws Exception {
    long before = bundleRequests();
    long t0 = System.nanoTime();
    Command.Result same = inFreshHost(installLine(lab.token(), ""));
    Timings.record("install: re-run, nothing changed", Duration.ofNanos(System.nanoTime() - t0));
    assertTrue(same.ok(), same.out());
    assertTrue(same.out().contains("nothing to restart"), same.out());
    assertEquals(before + 1, bundleRequests(), "only the checksum: the installed bundle is current");

    // A changed setting restarts the agent: still exactly one, and ready again.
    t0 = System.nanoTime();
    Command.Result changed = inFreshHost(installLine(lab.token(), ",rerun=1"));
    Timings.record("install: re-run with a changed setting (agent restarted) to ready", Duration.ofNanos(System.nanoTime() - t0));
    assertTrue(changed.ok(), changed.out());
    assertTrue(changed.out().contains("agent started"), changed.out());
    assertEquals(1, count(COUNT_AGENTS));
    assertEquals(1, count(COUNT_SUPERVISORS));
    assertEquals("1", lab.node(NODE).orElseThrow().getFacts().getLabelsMap().get("rerun"));
  }

  @Test
  @Order(4)
  void uninstallRemovesWhatItAdded() {
    Command.Result r = inFreshHost("curl -sfL http://" + lab.httpAddress() + "/install.sh | sh -s - --uninstall");
    assertTrue(r.ok(), r.out());
    assertEquals(0, count(COUNT_AGENTS));
    assertEquals(0, count(COUNT_SUPERVISORS));
    assertFalse(inFreshHost("test -e /opt/berth").ok(), "the prefix is gone");
    // The data dir is a bind mount here, so its mount point stays: it must be empty.
    assertTrue(inFreshHost("test -z \"$(ls -A " + dataDir + " 2>/dev/null)\"").ok(), "the data dir is gone");
    assertTrue(host.runningContainers("berth.agent", NODE).isEmpty(), "the node's containers are gone");
    Await.until("node " + NODE + " down", Duration.ofSeconds(30),
        () -> lab.node(NODE).map(n -> n.getStatus() == NodeStatus.NODE_DOWN).orElse(false));
  }
}
