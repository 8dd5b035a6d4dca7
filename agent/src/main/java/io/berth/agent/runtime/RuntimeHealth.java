package io.berth.agent.runtime;

/**
 * Whether the container runtime answered the last time we asked, and if not, why. Written by the
 * reconcile loop, read by heartbeats from another thread.
 */
public final class RuntimeHealth {

  /** An immutable reading. */
  public record Snapshot(boolean healthy, String error) {}

  private volatile Snapshot current = new Snapshot(true, "");

  public void markHealthy() {
    current = new Snapshot(true, "");
  }

  public void markUnhealthy(String error) {
    current = new Snapshot(false, error == null ? "unknown error" : error);
  }

  public Snapshot snapshot() {
    return current;
  }
}
