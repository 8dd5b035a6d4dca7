package io.berth.coordinator.scheduler;

/**
 * Why a node cannot take a task, as a failure line counts it. {@code order} sorts the reasons
 * in the line: resources first, then ports, constraints, eligibility, readiness.
 */
record Rejection(int order, String reason) implements Comparable<Rejection> {

  static final Rejection NOT_READY = new Rejection(60, "not ready");
  static final Rejection INELIGIBLE = new Rejection(50, "ineligible");
  static final Rejection MEMORY = new Rejection(10, "exhausted memory");
  static final Rejection CPU = new Rejection(20, "exhausted cpu");

  static Rejection portInUse(int port) {
    return new Rejection(30, "port " + port + " in use");
  }

  static Rejection noDynamicPort(int min, int max) {
    return new Rejection(31, "no free dynamic port in " + min + "-" + max);
  }

  static Rejection constraint(PlacementConstraint c) {
    return new Rejection(40, "failed constraint " + c.describe());
  }

  @Override
  public int compareTo(Rejection o) {
    int c = Integer.compare(order, o.order);
    return c != 0 ? c : reason.compareTo(o.reason);
  }
}
