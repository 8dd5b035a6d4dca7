package io.berth.agent.runtime;

/** The task's image is not on this node, and Berth never pulls (no registry is reachable). */
public class ImageNotPresentException extends TaskStartException {
  public ImageNotPresentException(String image, String nodeName) {
    super("image " + image + " is not present on node " + nodeName
        + " (no registry is reachable: load or import it)");
  }
}
