package io.berth.coordinator.state;

import io.berth.proto.JobState;
import io.berth.proto.TaskRecord;
import java.util.Collection;
import org.pcollections.PSortedMap;
import org.pcollections.TreePMap;

/**
 * One job as the replica holds it: the job record (its {@link JobState} without tasks) and its
 * tasks by id, each with the Raft index that last wrote it. Immutable; a change makes a new entry
 * that shares the unchanged tasks with the old one. The whole {@link JobState} is put together
 * only when someone asks for it, once per entry.
 */
final class JobEntry {

  /** A record and the Raft index that last wrote it (the compare-and-set basis). */
  record Indexed<T>(T value, long index) {}

  private final JobState header;
  private final long headerIndex;
  private final PSortedMap<String, Indexed<TaskRecord>> tasks;
  private final TaskCounts counts;
  private volatile JobState whole;

  static final JobEntry EMPTY = new JobEntry(null, 0, TreePMap.empty(), TaskCounts.NONE);

  private JobEntry(JobState header, long headerIndex, PSortedMap<String, Indexed<TaskRecord>> tasks, TaskCounts counts) {
    this.header = header;
    this.headerIndex = headerIndex;
    this.tasks = tasks;
    this.counts = counts;
  }

  /** An entry from a whole job (tests, benchmarks, snapshots built by hand): every index 0. */
  static JobEntry of(JobState whole) {
    PSortedMap<String, Indexed<TaskRecord>> tasks = TreePMap.empty();
    for (TaskRecord t : whole.getTasksList()) {
      tasks = tasks.plus(t.getId(), new Indexed<>(t, 0));
    }
    return new JobEntry(whole.toBuilder().clearTasks().build(), 0, tasks, TaskCounts.of(whole.getTasksList()));
  }

  /** The job record and history, without tasks; null while only tasks of the job are known. */
  JobState header() {
    return header;
  }

  long headerIndex() {
    return headerIndex;
  }

  PSortedMap<String, Indexed<TaskRecord>> tasks() {
    return tasks;
  }

  /** The tasks by id: a view, no copy. */
  Collection<Indexed<TaskRecord>> taskEntries() {
    return tasks.values();
  }

  /** Its tasks desired to run, counted by state (kept as the tasks change). */
  TaskCounts counts() {
    return counts;
  }

  JobEntry withHeader(JobState newHeader, long index) {
    return new JobEntry(newHeader, index, tasks, counts);
  }

  /** With {@code task} written at {@code index}; {@code replaced} is the record it replaces (null: new). */
  JobEntry withTask(TaskRecord task, long index, TaskRecord replaced) {
    return new JobEntry(header, headerIndex, tasks.plus(task.getId(), new Indexed<>(task, index)),
        counts.replacing(replaced, task));
  }

  /** Without task {@code id}, whose record was {@code removed}. */
  JobEntry withoutTask(String id, TaskRecord removed) {
    return new JobEntry(header, headerIndex, tasks.minus(id), counts.replacing(removed, null));
  }

  boolean isEmpty() {
    return header == null && tasks.isEmpty();
  }

  /** The job with its tasks (in task id order), built on first use. */
  JobState whole() {
    JobState w = whole;
    if (w == null) {
      JobState.Builder b = header.toBuilder();
      for (Indexed<TaskRecord> t : tasks.values()) {
        b.addTasks(t.value());
      }
      w = b.build();
      whole = w;
    }
    return w;
  }
}
