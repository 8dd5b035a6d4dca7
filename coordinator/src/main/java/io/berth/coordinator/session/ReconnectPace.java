package io.berth.coordinator.session;

/**
 * How long the agents of this coordinator spread their first reconnect over when it goes away:
 * long enough that the other members, each admitting {@link #RECONNECTS_PER_SECOND_PER_MEMBER}
 * agents a second, take them about as fast as they come. Nomad scales its heartbeat TTL the same
 * way. Ten thousand agents that lost one of three coordinators and redialled at once turned
 * eighteen attempts in twenty away unhandshaken, and the refused attempts took the CPU the
 * handshakes needed (docs/BENCHMARKS.md, session 22: 52.5 s to reconnect 3,300 agents).
 */
public final class ReconnectPace {
  /**
   * Agents a surviving member re-admits a second: a TLS handshake, a Join and a Hello each. Well
   * under what one core does (a handshake costs the server a few ms), and 4x the rate the leader's
   * liveness allows the whole cluster before it judges a dead member's nodes down
   * ({@code NodeLiveness.NANOS_PER_RECONNECT}), so a paced agent is never late.
   */
  static final int RECONNECTS_PER_SECOND_PER_MEMBER = 100;

  /** A new spread is told to an agent when it differs from the one it has by more than this share. */
  private static final double RETELL_CHANGE = 0.25;

  private ReconnectPace() {}

  /**
   * @param held sessions this member holds
   * @param members coordinators in the cluster, this one included
   * @return the spread, in ms, for this member's agents
   */
  static long spreadMs(int held, int members) {
    int others = Math.max(1, members - 1); // a lone coordinator's agents come back to it
    return (long) held * 1000L / ((long) RECONNECTS_PER_SECOND_PER_MEMBER * others);
  }

  /** Whether an agent told {@code told} ms (negative: nothing yet) should hear {@code now}. */
  static boolean worthTelling(long told, long now) {
    if (told < 0) {
      return true;
    }
    return Math.abs(now - told) > RETELL_CHANGE * Math.max(told, 1);
  }
}
