package io.berth.coordinator.session;

import io.berth.coordinator.state.ClusterStore;
import io.berth.coordinator.state.JobKey;
import io.berth.proto.JobState;
import io.berth.proto.TaskRecord;
import io.berth.proto.TaskState;
import io.berth.proto.TaskStatus;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records what agents report about their tasks. Reports are queued and drained by one thread
 * that writes each job once per drain, so a burst of reports costs a write per job, not per task.
 */
public final class TaskStatusWriter implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TaskStatusWriter.class);

  record Report(String node, TaskStatus status) {}

  private final ClusterStore store;
  private final LinkedBlockingQueue<Report> queue = new LinkedBlockingQueue<>();
  private final Thread drainer;
  private volatile boolean closed;

  public TaskStatusWriter(ClusterStore store) {
    this.store = store;
    this.drainer = new Thread(this::run, "berth-task-status");
    this.drainer.setDaemon(true);
    this.drainer.start();
  }

  public void report(String node, List<TaskStatus> statuses) {
    for (TaskStatus s : statuses) {
      queue.add(new Report(node, s));
    }
  }

  private void run() {
    List<Report> batch = new ArrayList<>();
    while (!closed) {
      try {
        Report first = queue.poll(500, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        queue.drainTo(batch);
        writeBatch(batch);
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        // The store was unavailable: keep the reports and try again shortly.
        LOG.warn("could not record task status yet: {}", e.getMessage());
        queue.addAll(batch);
        try {
          Thread.sleep(500);
        } catch (InterruptedException ie) {
          return;
        }
      }
      batch.clear();
    }
  }

  private void writeBatch(List<Report> batch) {
    Map<JobKey, Map<String, Report>> byJob = new HashMap<>();
    for (Report r : batch) {
      store.snapshot().jobOfTask(r.status().getTaskId()).ifPresent(
          k -> byJob.computeIfAbsent(k, x -> new LinkedHashMap<>()).put(r.status().getTaskId(), r));
    }
    for (Map.Entry<JobKey, Map<String, Report>> e : byJob.entrySet()) {
      store.updateJob(e.getKey(), old -> apply(old, e.getValue()));
    }
  }

  /** The job with each reported task updated; the same object when nothing changed. */
  static JobState apply(JobState old, Map<String, Report> reports) {
    if (old == null) {
      return null;
    }
    JobState.Builder b = old.toBuilder();
    boolean changed = false;
    for (int i = 0; i < b.getTasksCount(); i++) {
      TaskRecord t = b.getTasks(i);
      Report r = reports.get(t.getId());
      if (r == null || !r.node().equals(t.getNode())) {
        continue; // an agent only speaks for tasks placed on its own node
      }
      TaskStatus s = r.status();
      if (s.getState() == TaskState.TASK_STATE_UNSPECIFIED) {
        continue;
      }
      long at = s.getAtMs() > 0 ? s.getAtMs() : System.currentTimeMillis();
      TaskRecord.Builder next = t.toBuilder();
      boolean stateChanged = s.getState() != t.getState()
          || !s.getContainerId().equals(t.getContainerId())
          || s.getExitCode() != t.getExitCode()
          || !s.getMessage().equals(t.getMessage());
      if (stateChanged) {
        // updated_at_ms says since when the task is in its state (min_healthy_time counts from it),
        // so a health report alone leaves it.
        next.setState(s.getState())
            .setContainerId(s.getContainerId())
            .setExitCode(s.getExitCode())
            .setMessage(s.getMessage())
            .setUpdatedAtMs(at);
      }
      boolean healthChanged = s.getHealth() != t.getHealth() || !s.getHealthOutput().equals(t.getHealthOutput());
      if (healthChanged) {
        if (s.getHealth() != t.getHealth()) {
          next.setHealthChangedAtMs(at);
        }
        next.setHealth(s.getHealth()).setHealthOutput(s.getHealthOutput());
      }
      if (!stateChanged && !healthChanged) {
        continue;
      }
      b.setTasks(i, next.build());
      changed = true;
    }
    return changed ? b.build() : old;
  }

  @Override
  public void close() {
    closed = true;
    drainer.interrupt();
  }
}
