package io.berth.coordinator.state;

import io.atomix.protocols.raft.RaftServer;
import io.atomix.protocols.raft.impl.DefaultRaftServer;
import io.atomix.protocols.raft.impl.RaftContext;
import java.lang.reflect.Field;
import java.util.Optional;

/**
 * Reaches a Raft server's internal context: its commit and applied indexes (for `berth cluster
 * status`) and its current role (to hand it a configuration change, as Atomix's own leave does).
 * Atomix 3.1.12 (frozen, pinned) keeps it in {@code DefaultRaftServer.context} with no public
 * getter, so it is read by reflection; empty if that ever stops working.
 */
final class RaftInternals {
  private static final Field CONTEXT = field(DefaultRaftServer.class, "context");

  private RaftInternals() {}

  static Optional<RaftContext> context(RaftServer server) {
    if (CONTEXT == null || !(server instanceof DefaultRaftServer)) {
      return Optional.empty();
    }
    try {
      return Optional.ofNullable((RaftContext) CONTEXT.get(server));
    } catch (IllegalAccessException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** The commit index, -1 when unknown. */
  static long commitIndex(RaftServer server) {
    return context(server).map(RaftContext::getCommitIndex).orElse(-1L);
  }

  /** The index of the last entry the server applied (any entry, not only Berth's commands), -1 when unknown. */
  static long lastApplied(RaftServer server) {
    return context(server).map(RaftContext::getLastApplied).orElse(-1L);
  }

  /** A private field of the pinned Atomix made readable, null if it is no longer there. */
  static Field field(Class<?> owner, String name) {
    try {
      Field f = owner.getDeclaredField(name);
      f.setAccessible(true);
      return f;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }
}
