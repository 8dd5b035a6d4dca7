package io.berth.agent.session;

/** The coordinator refused the join (bad token): retrying will not help, the agent stops. */
public class JoinRefusedException extends RuntimeException {
  public JoinRefusedException(String message, Throwable cause) {
    super(message, cause);
  }
}
