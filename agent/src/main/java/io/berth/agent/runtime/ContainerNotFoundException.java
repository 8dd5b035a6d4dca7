package io.berth.agent.runtime;

/** The container asked about does not exist (any more). */
public class ContainerNotFoundException extends RuntimeException {
  public ContainerNotFoundException(String containerId) {
    super("no such container " + containerId);
  }
}
