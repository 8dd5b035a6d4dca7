package io.berth.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * One JVM's share of a hollow fleet, driven by {@link FleetProcesses} over stdin and stdout:
 * enrols its nodes, prints {@link #READY_LINE} and their number, starts them on the line {@code start}, and closes
 * them when stdin ends.
 *
 * <p>Usage: {@code HollowFleetProcess COORDINATORS(comma-separated) TOKEN_FILE FIRST COUNT DATA_DIR START_DELAY_MS}
 */
public final class HollowFleetProcess {
  /** Printed once every node of this JVM is enrolled (the agents' own log lines say "enrolled" too). */
  static final String READY_LINE = "hollow fleet JVM ready, nodes enrolled: ";

  private HollowFleetProcess() {}

  public static void main(String[] args) throws Exception {
    List<String> coordinators = List.of(args[0].split(","));
    String token = Files.readString(Path.of(args[1])).trim();
    int first = Integer.parseInt(args[2]);
    int count = Integer.parseInt(args[3]);
    Path dataDir = Path.of(args[4]);
    long startDelayMs = Long.parseLong(args[5]);
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    try (HollowFleet fleet = new HollowFleet(coordinators, token, first, count, "hollow-", dataDir, startDelayMs,
        HollowFleet.lightestThreads())) {
      System.out.println(READY_LINE + fleet.size() + " (virtual threads: " + HollowFleet.virtualThreads() + ")");
      System.out.flush();
      for (String line; (line = in.readLine()) != null; ) {
        if (line.startsWith("start")) {
          String[] words = line.split(" ");
          fleet.start(words.length > 1 ? Double.parseDouble(words[1]) : 0);
          System.out.println("started");
          System.out.flush();
        }
      }
    }
    System.exit(0);
  }
}
