package io.berth.coordinator.leader;

import io.berth.proto.MemberRecord;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/** Asks another coordinator directly which agent sessions it holds, bypassing the replicated state. */
public interface MemberProbe extends AutoCloseable {

  /** Node name to what the member says of its agent's session; empty if the member did not answer. */
  Optional<Map<String, Held>> heldSessions(MemberRecord member);

  @Override
  default void close() {}

  /** For a coordinator alone: there is nobody to ask. */
  MemberProbe NONE = member -> Optional.empty();

  /**
   * One session a member holds: how long since it heard from the agent, and the heartbeat interval
   * the agent was given (at 10,000 nodes agents heartbeat every 10 s, twice the default node TTL).
   */
  record Held(Duration quiet, Duration heartbeatInterval) {
    /** How long the agent's next heartbeat is overdue; zero while it is not due yet. */
    public Duration overdue() {
      Duration late = quiet.minus(heartbeatInterval);
      return late.isNegative() ? Duration.ZERO : late;
    }
  }
}
