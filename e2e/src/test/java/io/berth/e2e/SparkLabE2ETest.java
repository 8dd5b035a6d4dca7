package io.berth.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.e2e.lab.Lab;
import io.berth.e2e.lab.LabExtension;
import io.berth.e2e.lab.LabHost;
import io.berth.e2e.lab.LabRequirements;
import io.berth.e2e.lab.Timings;
import io.berth.proto.TaskState;
import io.berth.proto.TaskView;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * examples/spark.yaml and examples/spark-pi.yaml on the multi-host lab: a Spark 3.5 standalone
 * master and workers that find each other by Berth names only, a Pi job submitted by a batch job,
 * a killed master restarted under the same name with its workers registering again, and workers
 * added with `berth job scale`.
 */
@ExtendWith(LabExtension.class)
@Order(LabExtension.CLASS_ORDER + 3)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SparkLabE2ETest {
  static final String JOB = "spark";
  static final String PI_JOB = "spark-pi";
  static final String MASTER = "0.master.spark.default.berth";
  static final Duration SETTLE = Duration.ofSeconds(120);
  static final ObjectMapper JSON = new ObjectMapper();

  Lab lab;

  @BeforeAll
  void start(Lab lab) {
    this.lab = lab;
    LabRequirements.requireWorkload("spark/spark-home/RELEASE");
    LabRequirements.requireWorkload("spark/berth-pi.jar");
  }

  @AfterAll
  void cleanUp() {
    if (lab != null) {
      lab.stopJob(PI_JOB);
      lab.stopJob(JOB);
    }
  }

  @Test
  @Order(1)
  void workersRegisterWithTheMasterByName() throws Exception {
    Timings.time("spark: master + 2 workers up, workers registered by name", () -> {
      lab.run(lab.example("spark.yaml"));
      TaskView master = lab.awaitRunning(JOB, "master", 1, SETTLE).get(0);
      assertEquals(MASTER, master.getName());
      List<TaskView> workers = lab.awaitRunning(JOB, "worker", 2, SETTLE);
      assertEquals(2, workers.stream().map(t -> t.getTask().getNode()).distinct().count(), "workers on distinct hosts");

      JsonNode state = awaitAliveWorkers(names(workers));
      assertEquals("spark://" + MASTER + ":7077", state.path("url").asText(), "the master advertises its Berth name");
    });
  }

  @Test
  @Order(2)
  void aBatchJobComputesPiOnTheCluster() throws Exception {
    Timings.time("spark: Pi batch job submitted by name, complete, logs show 3.14", () -> {
      lab.run(lab.example("spark-pi.yaml"));
      TaskView done = Await.until("the Pi task to finish", Duration.ofSeconds(180), () -> lab.allTasks(PI_JOB),
              ts -> ts.stream().anyMatch(t -> t.getTask().getState() == TaskState.TASK_EXITED
                  || t.getTask().getState() == TaskState.TASK_FAILED))
          .stream().filter(t -> t.getTask().getState() == TaskState.TASK_EXITED
              || t.getTask().getState() == TaskState.TASK_FAILED).findFirst().orElseThrow();
      String logs = lab.berthOk("logs", "0.pi." + PI_JOB + ".default");
      assertEquals(TaskState.TASK_EXITED, done.getTask().getState(),
          "the driver exits 0: " + done.getTask().getMessage() + "\n" + tail(logs));
      Matcher m = Pattern.compile("Pi is roughly (\\d+\\.\\d+)").matcher(logs);
      assertTrue(m.find(), "the driver's output, through `berth logs`:\n" + tail(logs));
      System.out.println("[spark] " + m.group());
      assertTrue(m.group(1).startsWith("3.14"), m.group());
      // The executors ran on the workers, which the driver reached by their Berth names.
      assertTrue(logs.contains(".worker.spark.default.berth"), "executors on Berth-named workers:\n" + tail(logs));
    });
  }

  @Test
  @Order(3)
  void aKilledMasterComesBackUnderItsNameAndTheWorkersRegisterAgain() throws Exception {
    Timings.time("spark: master container killed -> restarted, same name, workers back", () -> {
      TaskView before = lab.awaitRunning(JOB, "master", 1, SETTLE).get(0);
      LabHost h = lab.hostOf(before);
      long t0 = System.nanoTime();
      h.docker("kill", before.getTask().getContainerId());

      TaskView after = Await.until("a new master task running", SETTLE, () -> lab.running(JOB, "master"),
          ts -> ts.size() == 1 && !ts.get(0).getTask().getId().equals(before.getTask().getId())).get(0);
      System.out.println("[spark] master back on " + after.getTask().getNode() + " after " + ms(t0) + " ms");
      assertEquals(MASTER, after.getName(), "the replacement keeps the name");
      assertNotEquals(before.getTask().getContainerId(), after.getTask().getContainerId());

      List<TaskView> workers = lab.awaitRunning(JOB, "worker", 2, SETTLE);
      awaitAliveWorkers(names(workers));
      System.out.println("[spark] both workers registered with the new master after " + ms(t0) + " ms");
    });
  }

  @Test
  @Order(4)
  void scalingTheWorkersToFourJoinsTheNewOnesByName() throws Exception {
    Timings.time("spark: berth job scale spark worker 4 -> 4 workers registered", () -> {
      String out = lab.berthOk("job", "scale", JOB, "worker", "4");
      System.out.println("[spark] " + out.trim());
      List<TaskView> workers = lab.awaitRunning(JOB, "worker", 4, SETTLE);
      assertEquals(4, workers.stream().map(t -> t.getTask().getNode()).distinct().count(), "one worker per host");
      awaitAliveWorkers(names(workers));
    });
  }

  /** Polls the master's JSON status (port 8080, asked by name from a worker's container) until exactly these workers are alive. */
  private JsonNode awaitAliveWorkers(Set<String> expected) {
    return Await.until("the master to list " + expected + " as alive workers", SETTLE, this::masterState,
        s -> s != null && aliveWorkerHosts(s).equals(expected));
  }

  private JsonNode masterState() {
    TaskView worker = lab.running(JOB, "worker").get(0);
    String raw = lab.hostOf(worker).tryShell(worker.getTask().getContainerId(),
        "printf 'GET /json/ HTTP/1.0\\r\\n\\r\\n' | nc -N -w 5 " + MASTER + " 8080").out();
    int body = raw.indexOf("\r\n\r\n");
    if (body < 0) {
      return null;
    }
    try {
      return JSON.readTree(raw.substring(body + 4));
    } catch (Exception e) {
      return null;
    }
  }

  private static Set<String> aliveWorkerHosts(JsonNode state) {
    Set<String> hosts = new TreeSet<>();
    for (JsonNode w : state.path("workers")) {
      if ("ALIVE".equals(w.path("state").asText())) {
        hosts.add(w.path("host").asText());
      }
    }
    return hosts;
  }

  private static Set<String> names(List<TaskView> tasks) {
    return tasks.stream().map(TaskView::getName).collect(Collectors.toCollection(TreeSet::new));
  }

  private static String tail(String logs) {
    List<String> lines = logs.lines().toList();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
  }

  private static long ms(long t0) {
    return (System.nanoTime() - t0) / 1_000_000;
  }
}
