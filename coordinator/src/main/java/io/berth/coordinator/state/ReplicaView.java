package io.berth.coordinator.state;

import com.google.protobuf.InvalidProtocolBufferException;
import io.berth.proto.ClusterMeta;
import io.berth.proto.JobState;
import io.berth.proto.LeaderLease;
import io.berth.proto.MemberRecord;
import io.berth.proto.NodeRecord;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The local replica's materialised view: raw key/value changes in, an immutable
 * {@link ClusterSnapshot} out. Knows nothing of Atomix, so it is tested with plain inputs.
 * Not thread-safe: the store feeds it from one thread.
 */
final class ReplicaView {
  private final Map<String, NodeRecord> nodes = new HashMap<>();
  private final Map<JobKey, JobState> jobs = new HashMap<>();
  private final Map<String, MemberRecord> members = new HashMap<>();
  private final Map<String, Long> keyVersions = new HashMap<>();
  private LeaderLease lease;
  private ClusterMeta meta;
  private long version;
  private ClusterSnapshot snapshot = ClusterSnapshot.EMPTY;
  private boolean dirty;

  /** Applies a put (value non-null) or a delete (value null) seen at {@code keyVersion}. */
  void apply(String key, byte[] value, long keyVersion) {
    Long seen = keyVersions.get(key);
    if (seen != null && seen > keyVersion) {
      return; // an older event arriving after a newer read: ignore
    }
    keyVersions.put(key, keyVersion);
    version = Math.max(version, keyVersion);
    dirty = true;
    try {
      if (key.equals(StateKeys.META)) {
        meta = value == null ? null : ClusterMeta.parseFrom(value);
      } else if (key.equals(StateKeys.LEASE)) {
        lease = value == null ? null : LeaderLease.parseFrom(value);
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
      snapshot = new ClusterSnapshot(version, nodes, jobs, members, lease);
      dirty = false;
    }
    return snapshot;
  }

  Optional<ClusterMeta> meta() {
    return Optional.ofNullable(meta);
  }
}
