package io.berth.bench;

import java.util.List;
import java.util.concurrent.TimeUnit;

/** Waiting for processes the bench asked to exit, and killing those that do not in time. */
final class ProcessExits {
  private ProcessExits() {}

  /** Waits up to {@code graceSeconds} for each process to exit; kills it with SIGKILL past that. */
  static void awaitOrKill(List<Process> processes, long graceSeconds) {
    for (Process p : processes) {
      try {
        if (!p.waitFor(graceSeconds, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }
}
