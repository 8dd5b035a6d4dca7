package io.berth.coordinator.state;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ApplyProgressTest {
  static final long S = 1_000_000_000L;

  @Test
  void stuckBehindTheCommitForThePatienceIsStalled() {
    ApplyProgress p = new ApplyProgress(10 * S);
    assertFalse(p.stalled(100, 100, 0));
    assertFalse(p.stalled(120, 100, 5 * S), "behind, but not for long");
    assertTrue(p.stalled(150, 100, 10 * S), "no progress for 10 s while the commit moved on");
  }

  @Test
  void progressOrCatchingUpIsNotStalled() {
    ApplyProgress p = new ApplyProgress(10 * S);
    assertFalse(p.stalled(100, 90, 0));
    assertFalse(p.stalled(200, 95, 9 * S));
    assertFalse(p.stalled(300, 96, 18 * S), "slow, but moving");
    assertFalse(p.stalled(300, 300, 40 * S));
    assertFalse(p.stalled(300, 300, 80 * S), "idle and caught up");
  }
}
