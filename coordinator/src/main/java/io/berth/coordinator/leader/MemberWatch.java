package io.berth.coordinator.leader;

import io.berth.coordinator.state.ClusterSnapshot;
import io.berth.proto.MemberRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Notes, on this member's clock, when each coordinator's record last moved: a coordinator whose
 * record stops moving is no longer vouching for the nodes it lists. Clocks of other machines are
 * never compared.
 */
public final class MemberWatch implements Consumer<ClusterSnapshot> {
  private final Map<String, Long> lastSeq = new ConcurrentHashMap<>();
  private final Map<String, Long> lastMovedNanos = new ConcurrentHashMap<>();
  private final Map<String, io.berth.proto.NodeRecord> lastNode = new ConcurrentHashMap<>();
  private final Map<String, Long> nodeChangedNanos = new ConcurrentHashMap<>();
  private final Map<String, List<String>> lastListed = new ConcurrentHashMap<>(); // each member's nodes, as last seen
  private final Map<String, Release> released = new ConcurrentHashMap<>();
  private final LongSupplier nanoClock;
  private volatile ClusterSnapshot.Marks nodesSeen; // the last state whose nodes were walked (its marks)

  /**
   * A node a live member's record stopped listing, when, and with how many others in that one
   * change: a member handing off its sessions (its replica stuck) releases thousands at once, and
   * their agents queue for the survivors' handshakes, while an agent that died is released alone.
   */
  public record Release(String member, long atNanos, int together) {}

  public MemberWatch() {
    this(System::nanoTime);
  }

  /** With the clock {@link NodeLiveness} judges by (tests drive both). */
  public MemberWatch(LongSupplier nanoClock) {
    this.nanoClock = nanoClock;
  }

  @Override
  public void accept(ClusterSnapshot snapshot) {
    long now = nanoClock.getAsLong();
    // A node record written just now (a join, a Hello) vouches for the node until some
    // coordinator's member record lists its session. Most states (a task report, a member's
    // record) leave the nodes as they were: walking 10,000 of them for each was a tenth of a
    // coordinator's CPU while 100,000 tasks were placed.
    if (!snapshot.sameNodes(nodesSeen)) {
      for (io.berth.proto.NodeRecord n : snapshot.nodes().values()) {
        String name = n.getFacts().getName();
        if (!n.equals(lastNode.put(name, n))) {
          nodeChangedNanos.put(name, now);
        }
      }
      nodesSeen = snapshot.marks();
    }
    for (MemberRecord m : snapshot.members().values()) {
      Long prev = lastSeq.put(m.getId(), m.getRefreshedSeq());
      if (prev == null || prev != m.getRefreshedSeq()) {
        lastMovedNanos.put(m.getId(), now);
        noteReleases(m, now);
      }
    }
  }

  /** Compares the member's node list with the one it had (both sorted): who left it, who is on it. */
  private void noteReleases(MemberRecord m, long now) {
    List<String> listed = m.getConnectedNodesList();
    List<String> before = lastListed.put(m.getId(), listed);
    if (!released.isEmpty()) {
      for (String node : listed) {
        released.remove(node); // held by a member again
      }
    }
    if (before == null) {
      return;
    }
    List<String> left = new ArrayList<>();
    int i = 0;
    int j = 0;
    while (i < before.size()) {
      int c = j < listed.size() ? before.get(i).compareTo(listed.get(j)) : -1;
      if (c < 0) {
        left.add(before.get(i++));
      } else {
        if (c == 0) {
          i++;
        }
        j++;
      }
    }
    for (String node : left) {
      released.put(node, new Release(m.getId(), now, left.size()));
    }
  }

  /** When a live member's record last stopped listing the node (and nothing has listed it since). */
  public Optional<Release> released(String node) {
    return Optional.ofNullable(released.get(node));
  }

  public Optional<Long> lastMovedNanos(String member) {
    return Optional.ofNullable(lastMovedNanos.get(member));
  }

  /** When this member last saw the node's record change. */
  public Optional<Long> nodeChangedNanos(String node) {
    return Optional.ofNullable(nodeChangedNanos.get(node));
  }

  public boolean fresh(String member, long withinNanos) {
    return lastMovedNanos(member).map(t -> nanoClock.getAsLong() - t <= withinNanos).orElse(false);
  }
}
