package io.berth.coordinator.session;

import io.berth.coordinator.state.ClusterStore;
import io.berth.coordinator.state.JobKey;
import io.berth.coordinator.state.StateChange;
import io.berth.proto.TaskRecord;
import io.berth.proto.TaskState;
import io.berth.proto.TaskStatus;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records what agents report about their tasks. Reports are queued and drained by one thread
 * that writes each drained batch as one write of the reported tasks' records alone, so a burst of
 * reports costs one Raft entry the size of the reports, whatever the size of their jobs.
 */
public final class TaskStatusWriter implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TaskStatusWriter.class);

  // One write stays well under the log's 4 MiB entries (a task record is ~150-300 bytes).
  static final int REPORTS_PER_WRITE = 4_000;

  record Report(String node, TaskStatus status) {}

  private final ClusterStore store;
  private final LinkedBlockingDeque<Report> queue = new LinkedBlockingDeque<>();
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
        queue.drainTo(batch, REPORTS_PER_WRITE - 1);
        writeBatch(batch);
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        // The store was unavailable: keep the reports, ahead of those that came meanwhile (a
        // task's STARTING must not be written after its RUNNING), and try again shortly.
        LOG.warn("could not record task status yet: {}", e.getMessage());
        for (int i = batch.size() - 1; i >= 0; i--) {
          queue.addFirst(batch.get(i));
        }
        try {
          Thread.sleep(500);
        } catch (InterruptedException ie) {
          return;
        }
      }
      batch.clear();
    }
  }

  /** One write for the whole batch: each reported task's record, and nothing else of its job. */
  private void writeBatch(List<Report> batch) {
    Map<String, Report> latest = new LinkedHashMap<>();
    for (Report r : batch) {
      latest.merge(r.status().getTaskId(), r, (had, next) -> isOlder(next, had) ? had : next);
    }
    store.update(s -> {
      StateChange change = new StateChange();
      for (Report r : latest.values()) {
        String id = r.status().getTaskId();
        Optional<JobKey> job = s.jobOfTask(id);
        Optional<TaskRecord> old = s.task(id);
        if (job.isEmpty() || old.isEmpty()) {
          continue; // forgotten meanwhile: nothing to record
        }
        TaskRecord next = apply(old.get(), r);
        if (next != old.get()) {
          change.putTask(job.get(), next);
        }
      }
      return change;
    });
  }

  /** Stamped by the agent before {@code than} was (reports without a stamp are never older). */
  private static boolean isOlder(Report r, Report than) {
    return stampedBefore(r.status().getAtMs(), than.status().getAtMs());
  }

  /** The one rule for the agent's stamps: 0 is no stamp, and no stamp is never older. */
  private static boolean stampedBefore(long atMs, long thanMs) {
    return atMs > 0 && atMs < thanMs;
  }

  /** The task with the report taken in; the same object when nothing changed. */
  static TaskRecord apply(TaskRecord t, Report r) {
    if (!r.node().equals(t.getNode())) {
      return t; // an agent only speaks for tasks placed on its own node
    }
    TaskStatus s = r.status();
    if (s.getState() == TaskState.TASK_STATE_UNSPECIFIED) {
      return t;
    }
    if (stampedBefore(s.getAtMs(), t.getReportedAtMs())) {
      return t; // the agent said something newer already (both stamps are its own clock's)
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
      return t;
    }
    return next.setReportedAtMs(Math.max(s.getAtMs(), t.getReportedAtMs())).build();
  }

  @Override
  public void close() {
    closed = true;
    drainer.interrupt();
  }
}
