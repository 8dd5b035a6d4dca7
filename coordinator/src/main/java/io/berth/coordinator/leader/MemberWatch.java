package io.berth.coordinator.leader;

import io.berth.coordinator.state.ClusterSnapshot;
import io.berth.proto.MemberRecord;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Notes, on this member's clock, when each coordinator's record last moved: a coordinator whose
 * record stops moving is no longer vouching for the nodes it lists. Clocks of other machines are
 * never compared.
 */
public final class MemberWatch implements Consumer<ClusterSnapshot> {
  private final Map<String, Long> lastSeq = new ConcurrentHashMap<>();
  private final Map<String, Long> lastMovedNanos = new ConcurrentHashMap<>();

  @Override
  public void accept(ClusterSnapshot snapshot) {
    long now = System.nanoTime();
    for (MemberRecord m : snapshot.members().values()) {
      Long prev = lastSeq.put(m.getId(), m.getRefreshedSeq());
      if (prev == null || prev != m.getRefreshedSeq()) {
        lastMovedNanos.put(m.getId(), now);
      }
    }
  }

  public Optional<Long> lastMovedNanos(String member) {
    return Optional.ofNullable(lastMovedNanos.get(member));
  }

  public boolean fresh(String member, long withinNanos) {
    return lastMovedNanos(member).map(t -> System.nanoTime() - t <= withinNanos).orElse(false);
  }
}
