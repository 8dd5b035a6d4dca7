package io.berth.coordinator.state;

import io.atomix.protocols.raft.RaftServer;
import io.atomix.protocols.raft.impl.DefaultRaftServer;
import io.atomix.protocols.raft.impl.RaftContext;
import java.lang.reflect.Field;

/**
 * Reads a Raft server's commit index for `berth cluster status`. Atomix 3.1.12 (frozen, pinned)
 * keeps it in {@code DefaultRaftServer.context} with no public getter, so it is read once by
 * reflection; -1 if that ever stops working.
 */
final class RaftCommitIndex {
  private static final Field CONTEXT = contextField();

  private RaftCommitIndex() {}

  static long of(RaftServer server) {
    if (CONTEXT == null || !(server instanceof DefaultRaftServer)) {
      return -1;
    }
    try {
      return ((RaftContext) CONTEXT.get(server)).getCommitIndex();
    } catch (IllegalAccessException | RuntimeException e) {
      return -1;
    }
  }

  private static Field contextField() {
    try {
      Field f = DefaultRaftServer.class.getDeclaredField("context");
      f.setAccessible(true);
      return f;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }
}
