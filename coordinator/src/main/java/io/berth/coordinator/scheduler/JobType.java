package io.berth.coordinator.scheduler;

import java.util.Locale;
import java.util.Optional;

/** The job types of the spec's {@code type} field; empty means service. */
enum JobType {
  SERVICE,
  BATCH,
  GLOBAL,
  CRON;

  static Optional<JobType> parse(String type) {
    if (type == null || type.isEmpty()) {
      return Optional.of(SERVICE);
    }
    try {
      return Optional.of(valueOf(type.toUpperCase(Locale.ROOT)));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** Whether a task that exited with code 0 has done its work and must not be replaced. */
  boolean exitMeansComplete() {
    return this == BATCH || this == CRON;
  }

  /** Whether its tasks leave a drained node (batch and cron runs finish where they are). */
  boolean movesOffDrainedNodes() {
    return this == SERVICE || this == GLOBAL;
  }
}
