package io.berth.coordinator.session;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The heartbeat interval agents are given keeps the whole cluster within its heartbeat budget. */
class HeartbeatBudgetTest {

  @Test
  void smallClustersHeartbeatAtTheConfiguredInterval() {
    assertEquals(1000, AgentService.heartbeatIntervalMs(1000, 0));
    assertEquals(1000, AgentService.heartbeatIntervalMs(1000, AgentService.HEARTBEATS_PER_SECOND));
  }

  @Test
  void largeClustersStretchItSoTheClusterStaysWithinTheBudget() {
    assertEquals(2500, AgentService.heartbeatIntervalMs(1000, 2500));
    assertEquals(10_000, AgentService.heartbeatIntervalMs(1000, 10_000));
    int nodes = 7_300;
    long interval = AgentService.heartbeatIntervalMs(1000, nodes);
    assertEquals(AgentService.HEARTBEATS_PER_SECOND, nodes * 1000 / interval, "heartbeats per second");
  }
}
