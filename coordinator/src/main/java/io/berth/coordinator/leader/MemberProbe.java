package io.berth.coordinator.leader;

import io.berth.proto.MemberRecord;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/** Asks another coordinator directly which agent sessions it holds, bypassing the replicated state. */
public interface MemberProbe extends AutoCloseable {

  /** Node name to how long the member has not heard from its agent; empty if the member did not answer. */
  Optional<Map<String, Duration>> heldSessions(MemberRecord member);

  @Override
  default void close() {}

  /** For a coordinator alone: there is nobody to ask. */
  MemberProbe NONE = member -> Optional.empty();
}
