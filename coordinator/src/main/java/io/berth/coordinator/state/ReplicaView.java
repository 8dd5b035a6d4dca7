package io.berth.coordinator.state;

import com.google.protobuf.InvalidProtocolBufferException;
import io.berth.proto.ClusterMeta;
import io.berth.proto.DesiredState;
import io.berth.proto.JobState;
import io.berth.proto.LeaderClaim;
import io.berth.proto.MemberRecord;
import io.berth.proto.NodeRecord;
import io.berth.proto.TaskRecord;
import java.util.List;
import java.util.Optional;
import org.pcollections.PMap;
import org.pcollections.PSortedMap;
import org.pcollections.TreePMap;

/**
 * The local replica's materialised view: the state machine's applied changes in, in log order,
 * an immutable {@link ClusterSnapshot} out. Holds persistent maps, so a snapshot is a handful of
 * references and a change costs its own size. Knows nothing of Atomix, so it is tested with plain
 * inputs. Not thread-safe: the store feeds it from one thread.
 */
final class ReplicaView {
  private PSortedMap<String, NodeRecord> nodes = TreePMap.empty();
  private PSortedMap<JobKey, JobEntry> jobs = TreePMap.empty();
  private PSortedMap<String, MemberRecord> members = TreePMap.empty();
  private PMap<String, Long> keyIndexes = TreePMap.empty();
  private PMap<String, JobKey> jobOfTask = TreePMap.empty();
  private PMap<String, PSortedMap<String, JobKey>> desiredOnNode = TreePMap.empty();
  private LeaderClaim leader;
  private ClusterMeta meta;
  private long version;
  private ClusterSnapshot snapshot = ClusterSnapshot.EMPTY;
  private boolean dirty;
  // Nodes whose desired set changed since the last snapshot; null: all may have (a reset).
  private java.util.Set<String> desiredTouched = null;
  private final java.util.Map<JobKey, JobKey> canonicalKeys = new java.util.HashMap<>();
  private final java.util.Map<String, String> sharedStrings = new java.util.HashMap<>();

  /** Applies changes the state machine made, in the order it made them. */
  void apply(List<StateMachine.Change> changes) {
    for (StateMachine.Change c : changes) {
      apply(c.key(), c.value(), c.index());
    }
  }

  /** Replaces everything with the state machine's contents (after it restored a snapshot). */
  void reset(List<StateMachine.Change> contents, long index) {
    nodes = TreePMap.empty();
    jobs = TreePMap.empty();
    members = TreePMap.empty();
    keyIndexes = TreePMap.empty();
    jobOfTask = TreePMap.empty();
    desiredOnNode = TreePMap.empty();
    canonicalKeys.clear();
    sharedStrings.clear();
    leader = null;
    meta = null;
    desiredTouched = null; // stays null: the next snapshot's changes are unknown
    apply(contents);
    version = Math.max(version, index);
    dirty = true;
  }

  private void apply(String key, byte[] value, long index) {
    version = Math.max(version, index);
    dirty = true;
    try {
      if (key.startsWith(StateKeys.TASK_PREFIX)) {
        applyTask(key, value, index);
        return; // a task's index lives in its job's entry
      }
      keyIndexes = value == null ? keyIndexes.minus(key) : keyIndexes.plus(key, index);
      if (key.equals(StateKeys.META)) {
        meta = value == null ? null : ClusterMeta.parseFrom(value);
      } else if (key.equals(StateKeys.LEADER)) {
        leader = value == null ? null : LeaderClaim.parseFrom(value);
      } else if (key.startsWith(StateKeys.MEMBER_PREFIX)) {
        String id = key.substring(StateKeys.MEMBER_PREFIX.length());
        members = value == null ? members.minus(id) : members.plus(id, MemberRecord.parseFrom(value));
      } else if (key.startsWith(StateKeys.NODE_PREFIX)) {
        String name = key.substring(StateKeys.NODE_PREFIX.length());
        nodes = value == null ? nodes.minus(name) : nodes.plus(name, NodeRecord.parseFrom(value));
      } else if (key.startsWith(StateKeys.JOB_PREFIX)) {
        JobKey jk = canonical(StateKeys.jobKeyOf(key));
        JobState header = value == null ? null : JobState.parseFrom(value);
        putEntry(jk, entryOf(jk).withHeader(header, header == null ? 0 : index));
      }
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("corrupt record under key " + key, e);
    }
  }

  private void applyTask(String key, byte[] value, long index) throws InvalidProtocolBufferException {
    JobKey jk = canonical(StateKeys.jobKeyOfTask(key));
    TaskRecord task = value == null ? null : parseSharingStrings(value, jk);
    String keyId = StateKeys.taskIdOf(key);
    // The record's own id string where it is the same: the maps below then share it.
    String id = task != null && task.getId().equals(keyId) ? task.getId() : keyId;
    JobEntry.Indexed<TaskRecord> old = entryOf(jk).tasks().get(id);
    String wasOn = desiredNode(old == null ? null : old.value());
    String isOn = desiredNode(task);
    if (wasOn != null && !wasOn.equals(isOn)) {
      PSortedMap<String, JobKey> left = desiredOnNode.get(wasOn).minus(id);
      desiredOnNode = left.isEmpty() ? desiredOnNode.minus(wasOn) : desiredOnNode.plus(wasOn, left);
      touched(wasOn);
    }
    if (isOn != null && !isOn.equals(wasOn)) {
      PSortedMap<String, JobKey> on = desiredOnNode.get(isOn);
      desiredOnNode = desiredOnNode.plus(isOn, (on == null ? TreePMap.<String, JobKey>empty() : on).plus(id, jk));
      touched(isOn);
    }
    TaskRecord was = old == null ? null : old.value();
    if (task == null) {
      if (old != null) {
        putEntry(jk, entryOf(jk).withoutTask(id, was));
        jobOfTask = jobOfTask.minus(id);
      }
    } else {
      putEntry(jk, entryOf(jk).withTask(task, index, was));
      if (old == null) {
        jobOfTask = jobOfTask.plus(id, jk); // only a new task: a report leaves its job as it was
      }
    }
  }

  private void touched(String node) {
    if (desiredTouched != null) {
      desiredTouched.add(node);
    }
  }

  /** The node a task is desired to run on (and holds resources of), null when none. */
  private static String desiredNode(TaskRecord t) {
    return t != null && t.getDesired() == DesiredState.DESIRED_RUN ? t.getNode() : null;
  }

  /**
   * The one {@link JobKey} instance of a stored job: every task's key parses to a new one, and the
   * task and node indexes would otherwise hold two per task (~100 bytes each with their strings).
   */
  private JobKey canonical(JobKey parsed) {
    JobKey k = canonicalKeys.putIfAbsent(parsed, parsed);
    return k == null ? parsed : k;
  }

  /**
   * Parses the record with its node, group, job and namespace as the strings every other task of
   * theirs holds: each parsed record brings its own copies (~200 bytes a task, 10% of its heap).
   * Parsed into a builder rather than parsed and rebuilt: {@code toBuilder()} gives the record a
   * ports map of its own even when it has no ports (protobuf's MapField, a LinkedHashMap and its
   * views, ~170 bytes; 2,069,819 of them live in a coordinator at 1,000,000 tasks, run AC).
   */
  private TaskRecord parseSharingStrings(byte[] value, JobKey jk) throws InvalidProtocolBufferException {
    TaskRecord.Builder t = TaskRecord.newBuilder().mergeFrom(value);
    String job = t.getJob().equals(jk.name()) ? jk.name() : t.getJob();
    String namespace = t.getNamespace().equals(jk.namespace()) ? jk.namespace() : t.getNamespace();
    return t.setNode(shared(t.getNode())).setGroup(shared(t.getGroup())).setJob(job).setNamespace(namespace).build();
  }

  /** One instance per distinct node or group name (a bounded set: the cluster's nodes and groups). */
  private String shared(String s) {
    String had = sharedStrings.putIfAbsent(s, s);
    return had == null ? s : had;
  }

  private JobEntry entryOf(JobKey key) {
    JobEntry e = jobs.get(key);
    return e != null ? e : JobEntry.EMPTY;
  }

  private void putEntry(JobKey key, JobEntry e) {
    if (e.isEmpty()) {
      canonicalKeys.remove(key);
    }
    jobs = e.isEmpty() ? jobs.minus(key) : jobs.plus(key, e);
  }

  /** The view after all applied changes; a new one only when something changed. */
  ClusterSnapshot snapshot() {
    if (dirty) {
      ClusterSnapshot.DesiredChanges changes = desiredTouched == null
          ? null // after a reset: every set may differ from the last snapshot's
          : new ClusterSnapshot.DesiredChanges(new java.lang.ref.WeakReference<>(snapshot),
              java.util.Set.copyOf(desiredTouched));
      snapshot = new ClusterSnapshot(version, nodes, jobs, members, leader, keyIndexes, jobOfTask, desiredOnNode,
          changes);
      desiredTouched = new java.util.HashSet<>();
      dirty = false;
    }
    return snapshot;
  }

  Optional<ClusterMeta> meta() {
    return Optional.ofNullable(meta);
  }
}
