package io.berth.coordinator.session;

import io.berth.coordinator.state.ClusterStore;
import io.berth.proto.NodeFacts;
import io.berth.proto.NodeRecord;
import io.berth.proto.NodeStatus;
import java.time.Clock;
import java.util.Optional;

/** Writes node records: facts at join, status as sessions and runtimes come and go. */
public final class NodeRegistrar {
  private final ClusterStore store;
  private final Clock clock;

  public NodeRegistrar(ClusterStore store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  /** Records the node's facts and status; writes only when something changed. */
  public void online(NodeFacts facts, boolean runtimeHealthy, String runtimeError) {
    NodeStatus status = runtimeHealthy ? NodeStatus.NODE_READY : NodeStatus.NODE_UNHEALTHY;
    String reason = runtimeHealthy ? "" : "container runtime: " + runtimeError;
    Optional<NodeRecord> old = store.snapshot().node(facts.getName());
    if (old.isPresent()
        && old.get().getFacts().equals(facts)
        && old.get().getStatus() == status
        && old.get().getStatusReason().equals(reason)) {
      return;
    }
    long now = clock.millis();
    NodeRecord.Builder b = old.map(NodeRecord::toBuilder).orElseGet(() -> NodeRecord.newBuilder().setRegisteredAtMs(now));
    if (b.getStatus() != status) {
      b.setStatusChangedAtMs(now);
    }
    store.putNode(b.setFacts(facts).setStatus(status).setStatusReason(reason).build());
  }

  /** Marks a node down (leader only: node liveness). */
  public void down(String name, String reason) {
    store.snapshot().node(name).ifPresent(n -> {
      if (n.getStatus() != NodeStatus.NODE_DOWN) {
        store.putNode(n.toBuilder()
            .setStatus(NodeStatus.NODE_DOWN)
            .setStatusReason(reason)
            .setStatusChangedAtMs(clock.millis())
            .build());
      }
    });
  }
}
