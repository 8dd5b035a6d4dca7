package io.berth.coordinator.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The spread a member's agents reconnect over keeps the survivors' admissions at their rate. */
class ReconnectPaceTest {

  @Test
  void theSurvivorsTakeADeadMembersAgentsAtTheirRate() {
    int held = 3_334;
    long spread = ReconnectPace.spreadMs(held, 3);
    assertEquals(16_670, spread);
    assertEquals(2 * ReconnectPace.RECONNECTS_PER_SECOND_PER_MEMBER, held * 1000L / spread, "admissions a second");
    assertEquals(3_334 * 1000L / 400, ReconnectPace.spreadMs(held, 5), "four survivors");
  }

  @Test
  void aLoneCoordinatorsAgentsComeBackToItAndFewAgentsHardlyWait() {
    assertEquals(10_000, ReconnectPace.spreadMs(1_000, 1));
    assertEquals(30, ReconnectPace.spreadMs(3, 1));
    assertEquals(0, ReconnectPace.spreadMs(0, 3));
  }

  @Test
  void anAgentIsToldAgainOnlyWhenItsSpreadChangedByAQuarter() {
    assertTrue(ReconnectPace.worthTelling(-1, 0), "nothing told yet");
    assertFalse(ReconnectPace.worthTelling(10_000, 12_000));
    assertFalse(ReconnectPace.worthTelling(10_000, 8_000));
    assertTrue(ReconnectPace.worthTelling(10_000, 12_600));
    assertTrue(ReconnectPace.worthTelling(10_000, 7_400));
    assertFalse(ReconnectPace.worthTelling(0, 0));
    assertTrue(ReconnectPace.worthTelling(0, 5));
  }
}
