package io.berth.coordinator.scheduler;

import io.berth.coordinator.state.ClusterSnapshot;
import java.util.List;

/** PLACEHOLDER until the scheduler lands: plans nothing. */
public final class Scheduler {
  public static final int DEFAULT_DYNAMIC_PORT_MIN = 20000;
  public static final int DEFAULT_DYNAMIC_PORT_MAX = 32767;

  public Scheduler(IdGenerator ids) {
    this(ids, DEFAULT_DYNAMIC_PORT_MIN, DEFAULT_DYNAMIC_PORT_MAX);
  }

  public Scheduler(IdGenerator ids, int dynamicPortMin, int dynamicPortMax) {}

  public Plan schedule(Evaluation eval, ClusterSnapshot snapshot) {
    return new Plan(eval.job(), 0, List.of(), List.of(), List.of(), List.of());
  }
}
