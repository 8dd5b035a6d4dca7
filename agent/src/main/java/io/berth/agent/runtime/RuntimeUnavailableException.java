package io.berth.agent.runtime;

/** The container runtime cannot be reached (daemon down, socket missing): retry later. */
public class RuntimeUnavailableException extends RuntimeException {
  public RuntimeUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
