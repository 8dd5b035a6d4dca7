package io.berth.coordinator.state;

import com.google.protobuf.InvalidProtocolBufferException;
import io.berth.proto.ClusterMeta;
import io.berth.proto.JobState;
import io.berth.proto.LeaderClaim;
import io.berth.proto.MemberRecord;
import io.berth.proto.NodeRecord;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The local replica's materialised view: the state machine's applied changes in, in log order,
 * an immutable {@link ClusterSnapshot} out. Knows nothing of Atomix, so it is tested with plain
 * inputs. Not thread-safe: the store feeds it from one thread.
 */
final class ReplicaView {
  private final Map<String, NodeRecord> nodes = new HashMap<>();
  private final Map<JobKey, JobState> jobs = new HashMap<>();
  private final Map<String, MemberRecord> members = new HashMap<>();
  private final Map<String, Long> keyIndexes = new HashMap<>();
  private LeaderClaim leader;
  private ClusterMeta meta;
  private long version;
  private ClusterSnapshot snapshot = ClusterSnapshot.EMPTY;
  private boolean dirty;

  /** Applies changes the state machine made, in the order it made them. */
  void apply(List<StateMachine.Change> changes) {
    for (StateMachine.Change c : changes) {
      apply(c.key(), c.value(), c.index());
    }
  }

  /** Replaces everything with the state machine's contents (after it restored a snapshot). */
  void reset(List<StateMachine.Change> contents, long index) {
    nodes.clear();
    jobs.clear();
    members.clear();
    keyIndexes.clear();
    leader = null;
    meta = null;
    apply(contents);
    version = Math.max(version, index);
    dirty = true;
  }

  private void apply(String key, byte[] value, long index) {
    if (value == null) {
      keyIndexes.remove(key);
    } else {
      keyIndexes.put(key, index);
    }
    version = Math.max(version, index);
    dirty = true;
    try {
      if (key.equals(StateKeys.META)) {
        meta = value == null ? null : ClusterMeta.parseFrom(value);
      } else if (key.equals(StateKeys.LEADER)) {
        leader = value == null ? null : LeaderClaim.parseFrom(value);
      } else if (key.startsWith(StateKeys.MEMBER_PREFIX)) {
        String id = key.substring(StateKeys.MEMBER_PREFIX.length());
        if (value == null) {
          members.remove(id);
        } else {
          members.put(id, MemberRecord.parseFrom(value));
        }
      } else if (key.startsWith(StateKeys.NODE_PREFIX)) {
        String name = key.substring(StateKeys.NODE_PREFIX.length());
        if (value == null) {
          nodes.remove(name);
        } else {
          nodes.put(name, NodeRecord.parseFrom(value));
        }
      } else if (key.startsWith(StateKeys.JOB_PREFIX)) {
        JobKey jk = StateKeys.jobKeyOf(key);
        if (value == null) {
          jobs.remove(jk);
        } else {
          jobs.put(jk, JobState.parseFrom(value));
        }
      }
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("corrupt record under key " + key, e);
    }
  }

  /** The view after all applied changes; rebuilt only when something changed. */
  ClusterSnapshot snapshot() {
    if (dirty) {
      snapshot = new ClusterSnapshot(version, nodes, jobs, members, leader, Map.copyOf(keyIndexes));
      dirty = false;
    }
    return snapshot;
  }

  Optional<ClusterMeta> meta() {
    return Optional.ofNullable(meta);
  }
}
