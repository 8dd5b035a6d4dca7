package io.berth.agent.runtime;

/** Where a container is in its life, as the runtime reports it (Docker's State.Status). */
public enum ContainerPhase {
  CREATED,
  RUNNING,
  PAUSED,
  RESTARTING,
  REMOVING,
  EXITED,
  DEAD;

  /** Maps Docker's state word; anything unknown counts as DEAD so it is reported, not hidden. */
  public static ContainerPhase fromDocker(String state) {
    if (state == null) {
      return DEAD;
    }
    switch (state.toLowerCase(java.util.Locale.ROOT)) {
      case "created": return CREATED;
      case "running": return RUNNING;
      case "paused": return PAUSED;
      case "restarting": return RESTARTING;
      case "removing": return REMOVING;
      case "exited": return EXITED;
      default: return DEAD;
    }
  }
}
