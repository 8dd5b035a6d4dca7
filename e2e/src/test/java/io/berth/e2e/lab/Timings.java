package io.berth.e2e.lab;

import io.berth.e2e.BerthProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * How long each lab scenario took: printed at the end of the run and appended to
 * e2e/target/e2e-logs/lab/timings.txt (the issue asks for these numbers from CI).
 */
public final class Timings {
  private static final List<String> LINES = new ArrayList<>();

  private Timings() {}

  @FunctionalInterface
  public interface Scenario {
    void run() throws Exception;
  }

  /** Runs a scenario and records its wall time, whether it passes or fails. */
  public static void time(String scenario, Scenario body) throws Exception {
    long t0 = System.nanoTime();
    String outcome = "failed";
    try {
      body.run();
      outcome = "ok";
    } finally {
      record(scenario + " [" + outcome + "]", Duration.ofNanos(System.nanoTime() - t0));
    }
  }

  public static synchronized void record(String scenario, Duration took) {
    String line = String.format("%8.1f s  %s", took.toMillis() / 1000.0, scenario);
    LINES.add(line);
    System.out.println("[lab timing] " + line);
    Path file = BerthProcess.home().resolve("e2e/target/e2e-logs/lab/timings.txt");
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, Instant.now() + " " + line + "\n", StandardCharsets.UTF_8,
          StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException ignored) {
      // the printed line is enough
    }
  }

  static synchronized String summary() {
    return String.join("\n", LINES);
  }
}
