package io.berth.coordinator.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Raft timings an operator may ask for, and those Atomix would refuse only once the member starts. */
class StoreConfigTimingsTest {
  @Test
  void aLongElectionTimeoutGetsASessionTimeoutTwiceAsLongAndAShortOneKeepsTheDefault() {
    StoreConfig.Timings slow = StoreConfig.Timings.of(Duration.ofMillis(5000), Duration.ofMillis(250));
    assertEquals(Duration.ofMillis(10_000), slow.session());
    StoreConfig.Timings usual = StoreConfig.Timings.of(Duration.ofMillis(2000), Duration.ofMillis(250));
    assertEquals(StoreConfig.Timings.defaults().session(), usual.session());
  }

  @Test
  void aSessionTimeoutNotLongerThanTheElectionTimeoutIsRefusedWithBoth() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new StoreConfig.Timings(Duration.ofMillis(5000), Duration.ofMillis(250), Duration.ofMillis(5000)));
    assertTrue(e.getMessage().contains("session timeout (5000 ms) must be longer than the election timeout (5000 ms)"),
        e.getMessage());
  }
}
