package io.berth.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.proto.JobHistoryRequest;
import io.berth.proto.JobRecord;
import io.berth.proto.ListTasksRequest;
import io.berth.proto.TaskHealth;
import io.berth.proto.TaskRecord;
import io.berth.proto.TaskState;
import io.berth.proto.TaskView;
import java.net.HttpURLConnection;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Health checks end to end on real processes and a real dockerd: the agent GETs each task's
 * published port; an update with a passing check completes, one whose new version fails its check
 * rolls back by itself, and a running task whose check starts failing is restarted.
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
    AtomicReference<TaskRecord> sick = new AtomicReference<>();
    List<JobRecord> versions = Await.until("an automatic revert", SETTLE, () -> {
      for (TaskView t : tasks()) {
        if (t.getTask().getJobVersion() == 3 && t.getTask().getHealth() == TaskHealth.HEALTH_UNHEALTHY) {
          sick.set(t.getTask());
        }
      }
      return history();
    }, h -> h.get(0).getVersion() == 4);
    assertTrue(sick.get() != null, "release three was seen unhealthy before the revert");
    assertEquals(TaskState.TASK_RUNNING, sick.get().getState(), "it ran: only its check failed");
    assertTrue(sick.get().getHealthOutput().contains("HTTP 404"), sick.get().getHealthOutput());
    assertEquals("two", versions.get(0).getSpec().getGroups(0).getEnvMap().get("RELEASE"));
    assertEquals(List.of(4L, 3L, 2L, 1L), versions.stream().map(JobRecord::getVersion).toList());
    assertFalse(versions.get(1).getStable(), "the failed release never became stable");
    TaskView back = awaitHealthyRelease(4, "two");
    assertEquals("two", get(p2, "/healthz"));
    Await.until("release three's container gone", SETTLE, () -> Docker.containersWithLabel("berth.job", job, true).size() == 1);
    BerthProcess.Result h = cluster.berth("job", "history", job);
    assertTrue(h.out().lines().anyMatch(l -> l.startsWith("4 ") && l.contains("yes")), h.out());

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
    return cluster.api.listTasks(ListTasksRequest.newBuilder().setJob(job).build()).getTasksList();
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
