package io.berth.agent.enrol;

/** The agent cannot get (or use) a node certificate; the message says why and what to do. */
public final class EnrolmentRefused extends Exception {
  public EnrolmentRefused(String message) {
    super(message);
  }
}
