package io.berth.coordinator.jobspec;

import java.util.List;

/** A job file that cannot be accepted; each problem names its place in the file. */
public final class JobSpecException extends Exception {
  private final List<String> problems;

  public JobSpecException(String source, List<String> problems) {
    super(source + ": " + String.join("; ", problems));
    this.problems = List.copyOf(problems);
  }

  /** Each like "groups[0].count: must be 0 or more (got -1)". */
  public List<String> problems() {
    return problems;
  }
}
