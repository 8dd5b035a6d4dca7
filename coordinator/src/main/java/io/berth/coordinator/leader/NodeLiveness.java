package io.berth.coordinator.leader;

import io.berth.coordinator.session.NodeRegistrar;
import io.berth.coordinator.session.SessionRegistry;
import io.berth.coordinator.state.ClusterStore;
import io.berth.proto.NodeRecord;
import io.berth.proto.NodeStatus;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Leader-only: a node not heard from for longer than the TTL is down. A new leader first waits
 * one TTL (the grace period) so that a failover never marks nodes down in bulk.
 */
public final class NodeLiveness {
  private final ClusterStore store;
  private final SessionRegistry sessions;
  private final NodeRegistrar registrar;
  private final long ttlNanos;
  private final long leaderSinceNanos;

  public NodeLiveness(ClusterStore store, SessionRegistry sessions, NodeRegistrar registrar, Duration ttl) {
    this.store = store;
    this.sessions = sessions;
    this.registrar = registrar;
    this.ttlNanos = ttl.toNanos();
    this.leaderSinceNanos = System.nanoTime();
  }

  /** One pass: marks overdue nodes down. */
  public void check() {
    long now = System.nanoTime();
    for (NodeRecord n : store.snapshot().nodes().values()) {
      if (n.getStatus() == NodeStatus.NODE_DOWN) {
        continue;
      }
      String name = n.getFacts().getName();
      long lastSeen = Math.max(sessions.lastSeenNanos(name).orElse(leaderSinceNanos), leaderSinceNanos);
      if (now - lastSeen > ttlNanos) {
        registrar.down(name, "not heard from for " + TimeUnit.NANOSECONDS.toSeconds(now - lastSeen) + " s");
      }
    }
  }
}
