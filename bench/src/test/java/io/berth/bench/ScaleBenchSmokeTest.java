package io.berth.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The scale benchmark at smoke size, so the harness cannot rot: 3 coordinator processes, 20
 * hollow agents, 200 tasks, a leader kill. Asserts that every stage completes and no node is
 * marked down by the failover; the timings are printed, not asserted.
 */
class ScaleBenchSmokeTest {

  @Test
  void smallClusterPlacesRunsAndSurvivesALeaderKill() throws Exception {
    ScaleBench bench = new ScaleBench(20, 200, 3);
    try {
      bench.run();
    } finally {
      bench.close();
    }
    String all = String.join("\n", bench.rows);
    assertTrue(all.contains("20 nodes in"), all);
    assertTrue(all.contains("placements/s"), all);
    assertTrue(all.contains("KiB/task"), all);
    assertTrue(all.contains("| 0 nodes marked down (must be 0) |"), all);
  }
}
