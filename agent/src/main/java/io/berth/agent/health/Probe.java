package io.berth.agent.health;

/** Runs one check against one task, within the check's timeout; never throws. */
@FunctionalInterface
public interface Probe {
  CheckResult check();
}
