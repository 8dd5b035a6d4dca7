package io.berth.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.proto.JobHistoryRequest;
import io.berth.proto.JobRecord;
import io.berth.proto.ListTasksRequest;
import io.berth.proto.TaskHealth;
import io.berth.proto.TaskState;
import io.berth.proto.TaskView;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * Health checks end to end on real processes and a real dockerd: the agent GETs each task's
 * published port; an update with a passing check completes, one whose new version fails its check
 * rolls back by itself, a running task whose check starts failing is restarted, and an unhealthy
 * task leaves its group's DNS answers.
 *
 * <p>Every release listens on its own static port: all agents of this test share one host, so two
 * tasks of the job must never ask for the same host port (a rolling update stops the old task
 * while the new one starts).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HealthCheckE2ETest {
  static final String IMAGE = JobLifecycleE2ETest.IMAGE;
  static final Duration SETTLE = LocalCluster.SETTLE;

  final String run = UUID.randomUUID().toString().substring(0, 6);
  final String node = "h-" + run;
  final String job = "hc-" + run;
  LocalCluster cluster;

  @BeforeAll
  void start() throws Exception {
    Docker.requireEngineAndImage(IMAGE);
    cluster = LocalCluster.start("health-" + run).agent(node);
  }

  @AfterAll
  void stop() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** A web server (busybox httpd, daemonised; the shell stays PID 1 to take SIGTERM) serving /www. */
  private String spec(String release, int port, String servedFile) {
    String cmd = "mkdir -p /www && echo " + release + " > /www/" + servedFile
        + " && httpd -p " + port + " -h /www && trap 'exit 0' TERM; while true; do sleep 1; done";
    return """
        name: %s
        groups:
          - name: web
            image: %s
            command: ["/bin/sh", "-c", "%s"]
            env: {RELEASE: "%s"}
            ports: [{label: http, static: %d}]
            health_check: {type: http, port: http, path: /healthz, interval: 500ms, timeout: 1s, unhealthy_after: 2, grace: 2s}
            update: {max_parallel: 1, min_healthy_time: 1s, healthy_deadline: 40s}
        """.formatted(job, IMAGE, cmd, release, port);
  }

  private void submit(String name, String yaml) throws Exception {
    BerthProcess.Result r = cluster.berth("job", "run", "-f", cluster.file(name, yaml).toString());
    assertEquals(0, r.exit(), r.out() + r.err());
  }

  @Test
  void aFailingCheckRollsAnUpdateBackAndRestartsATaskThatTurnsUnhealthy() throws Exception {
    int p1 = LocalCluster.freePort();
    int p2 = LocalCluster.freePort();
    int p3 = LocalCluster.freePort();

    // Release one, then two: each passes its check, so each update completes and becomes stable.
    submit("v1.yaml", spec("one", p1, "healthz"));
    awaitHealthyRelease(1, "one");
    submit("v2.yaml", spec("two", p2, "healthz"));
    TaskView two = awaitHealthyRelease(2, "two");
    assertEquals("two", get(p2, "/healthz"), "the new release serves");
    BerthProcess.Result ps = cluster.berth("ps", job);
    assertTrue(ps.out().lines().anyMatch(l -> l.contains(two.getTask().getId()) && l.contains("running")
        && l.contains("healthy")), ps.out());

    // Release three starts and runs, but fails its check (/healthz is missing: 404): the update
    // fails and the job goes back to release two by itself.
    submit("v3.yaml", spec("three", p3, "other"));
    List<JobRecord> versions = Await.until("an automatic revert", SETTLE, this::history, h -> h.get(0).getVersion() == 4);
    // It ran: only its check failed (the revert says why).
    assertTrue(versions.get(0).getReason().matches("update to job version 3 failed: " + job
        + "-web-0-\\w+ failed its health check \\(GET /healthz: HTTP 404\\) before the version was healthy:"
        + " reverting to the spec of version 2 as version 4"), versions.get(0).getReason());
    assertEquals("two", versions.get(0).getSpec().getGroups(0).getEnvMap().get("RELEASE"));
    assertEquals(List.of(4L, 3L, 2L, 1L), versions.stream().map(JobRecord::getVersion).toList());
    assertFalse(versions.get(1).getStable(), "the failed release never became stable");
    TaskView back = awaitHealthyRelease(4, "two");
    assertEquals("two", get(p2, "/healthz"));
    Await.until("release three's container gone", SETTLE, () -> Docker.containersWithLabel("berth.job", job, true).size() == 1);
    BerthProcess.Result h = cluster.berth("job", "history", job);
    assertTrue(h.out().lines().anyMatch(l -> l.startsWith("4 ") && l.contains("yes")
        && l.contains("failed its health check (GET /healthz: HTTP 404)")), h.out());

    // A healthy task whose check starts failing is restarted in its slot.
    Docker.run("exec", back.getTask().getContainerId(), "rm", "/www/healthz");
    TaskView restarted = Await.until("a replacement of the unhealthy task", SETTLE, this::tasks, ts -> ts.size() == 1
        && !ts.get(0).getTask().getId().equals(back.getTask().getId())
        && ts.get(0).getTask().getState() == TaskState.TASK_RUNNING
        && ts.get(0).getTask().getHealth() == TaskHealth.HEALTH_HEALTHY).get(0);
    assertEquals(back.getTask().getAttempt() + 1, restarted.getTask().getAttempt(), "a restart counts as an attempt");
    assertEquals(back.getTask().getIndex(), restarted.getTask().getIndex(), "in the same slot");
    assertEquals(4, history().get(0).getVersion(), "a restart is not an update: no new version");
    assertEquals(0, cluster.berth("job", "stop", job).exit());
    Await.until("no containers of " + job, SETTLE, () -> Docker.containersWithLabel("berth.job", job, false).isEmpty());
  }

  @Test
  void anUnhealthyTaskLeavesItsGroupsDnsAnswersAndAfterItsLastAttemptKeepsRunning() throws Exception {
    String dnsJob = "hd-" + run;
    int port = LocalCluster.freePort();
    String cmd = "mkdir -p /www && echo ok > /www/healthz && httpd -p " + port
        + " -h /www && trap 'exit 0' TERM; while true; do sleep 1; done";
    submit("dns.yaml", """
        name: %s
        groups:
          - name: web
            image: %s
            command: ["/bin/sh", "-c", "%s"]
            ports: [{label: http, static: %d}]
            health_check: {type: http, port: http, path: /healthz, interval: 500ms, timeout: 1s, unhealthy_after: 2, grace: 1s}
            restart: {attempts: 1, mode: fail}
        """.formatted(dnsJob, IMAGE, cmd, port));
    String group = "web." + dnsJob + ".default.berth.";
    String own = "0." + group;
    TaskView t = Await.until("a healthy task", SETTLE, () -> tasks(dnsJob), ts -> ts.size() == 1
        && ts.get(0).getTask().getHealth() == TaskHealth.HEALTH_HEALTHY).get(0);
    Await.until("the group's name answering", SETTLE, () -> addresses(group).equals(List.of("127.0.0.1")));
    assertEquals(List.of(port), srvPorts("_http._tcp." + group));

    Docker.run("exec", t.getTask().getContainerId(), "rm", "/www/healthz");
    Await.until("the task unhealthy", SETTLE, () -> tasks(dnsJob).get(0).getTask().getHealth() == TaskHealth.HEALTH_UNHEALTHY);
    Await.until("the group's answers without it", SETTLE, () -> addresses(group).isEmpty());
    assertEquals(List.of(), srvPorts("_http._tcp." + group));
    assertEquals(List.of("127.0.0.1"), addresses(own), "its own name still resolves");

    // Its one attempt used, it is not restarted: it keeps running, and status says why.
    BerthProcess.Result st = Await.until("the given-up line", SETTLE, () -> cluster.berth("job", "status", dnsJob),
        r -> r.out().contains("web[0]: gave up after 1 attempts (restart mode fail), still running, unhealthy"));
    assertTrue(st.out().lines().anyMatch(l -> l.contains(t.getTask().getId()) && l.contains("unhealthy")
        && l.contains("check: GET /healthz: HTTP 404")), st.out());
    assertEquals(t.getTask().getId(), tasks(dnsJob).get(0).getTask().getId());
    assertEquals(TaskState.TASK_RUNNING, tasks(dnsJob).get(0).getTask().getState());

    // Passing again, it is back in the group.
    Docker.run("exec", t.getTask().getContainerId(), "sh", "-c", "echo ok > /www/healthz");
    Await.until("the group's name answering again", SETTLE, () -> addresses(group).equals(List.of("127.0.0.1")));
    assertEquals(0, cluster.berth("job", "stop", dnsJob).exit());
  }

  private List<String> addresses(String name) {
    return answers(name, Type.A).stream().map(r -> ((ARecord) r).getAddress().getHostAddress()).toList();
  }

  private List<Integer> srvPorts(String name) {
    return answers(name, Type.SRV).stream().map(r -> ((SRVRecord) r).getPort()).toList();
  }

  private List<org.xbill.DNS.Record> answers(String name, int type) {
    try {
      SimpleResolver r = new SimpleResolver(InetAddress.getByName("127.0.0.1"));
      r.setPort(cluster.dnsPort);
      r.setTimeout(Duration.ofSeconds(3));
      Message m = r.send(Message.newQuery(org.xbill.DNS.Record.newRecord(Name.fromString(name), type, DClass.IN)));
      return m.getSection(Section.ANSWER).stream().filter(x -> x.getType() == type).toList();
    } catch (java.io.IOException e) {
      throw new IllegalStateException("DNS query for " + name + " failed: " + e, e);
    }
  }

  /** Waits until the job's one task runs the release at this version, its check passing, and the version is stable. */
  private TaskView awaitHealthyRelease(long version, String release) {
    Await.until("version " + version + " (" + release + ") running healthy and stable", SETTLE, () -> {
      List<TaskView> ts = tasks();
      List<JobRecord> h = history();
      return ts.size() == 1 && ts.get(0).getTask().getJobVersion() == version
          && ts.get(0).getTask().getState() == TaskState.TASK_RUNNING
          && ts.get(0).getTask().getHealth() == TaskHealth.HEALTH_HEALTHY
          && h.get(0).getVersion() == version && h.get(0).getStable();
    });
    TaskView t = tasks().get(0);
    assertTrue(Docker.run("inspect", "--format", "{{json .Config.Env}}", t.getTask().getContainerId())
        .contains("RELEASE=" + release));
    return t;
  }

  private List<TaskView> tasks() {
    return tasks(job);
  }

  private List<TaskView> tasks(String name) {
    return cluster.api.listTasks(ListTasksRequest.newBuilder().setJob(name).build()).getTasksList();
  }

  private List<JobRecord> history() {
    return cluster.api.jobHistory(JobHistoryRequest.newBuilder().setJob(job).build()).getVersionsList();
  }

  private static String get(int port, String path) throws Exception {
    HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + path).toURL().openConnection();
    c.setConnectTimeout(2000);
    c.setReadTimeout(2000);
    try (var in = c.getInputStream()) {
      return new String(in.readAllBytes()).trim();
    } finally {
      c.disconnect();
    }
  }
}
