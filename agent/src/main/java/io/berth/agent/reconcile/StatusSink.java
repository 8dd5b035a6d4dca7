package io.berth.agent.reconcile;

import io.berth.proto.TaskStatus;
import java.util.List;

/** Where task state changes go (the session sends them up as a TaskStatusReport). */
@FunctionalInterface
public interface StatusSink {
  void report(List<TaskStatus> changes);
}
