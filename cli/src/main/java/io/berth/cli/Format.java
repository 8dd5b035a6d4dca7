package io.berth.cli;

import io.berth.proto.NodeStatus;
import io.berth.proto.TaskState;
import java.util.Locale;

/** Short human forms of enum values and sizes for tables. */
final class Format {
  private Format() {}

  static String status(NodeStatus s) {
    return switch (s) {
      case NODE_READY -> "ready";
      case NODE_UNHEALTHY -> "unhealthy";
      case NODE_DOWN -> "down";
      default -> "unknown";
    };
  }

  static String state(TaskState s) {
    return s.name().replace("TASK_", "").toLowerCase(Locale.ROOT);
  }

  /** The health check's verdict: "-" for a task without a check. */
  static String health(io.berth.proto.TaskRecord t) {
    return switch (t.getHealth()) {
      case HEALTH_NONE, UNRECOGNIZED -> "-";
      default -> t.getHealth().name().replace("HEALTH_", "").toLowerCase(Locale.ROOT);
    };
  }

  /** The task's message, and what its failing check said. */
  static String message(io.berth.proto.TaskRecord t) {
    if (t.getHealth() != io.berth.proto.TaskHealth.HEALTH_UNHEALTHY || t.getHealthOutput().isEmpty()) {
      return t.getMessage();
    }
    String check = "check: " + t.getHealthOutput().replace('\n', ' ');
    return t.getMessage().isEmpty() ? check : t.getMessage() + "; " + check;
  }

  /** The slot's exit codes, earlier attempts first ("1,1,0"); "-" while the task has not exited. */
  static String exitCodes(io.berth.proto.TaskRecord t) {
    java.util.List<String> codes = new java.util.ArrayList<>();
    t.getEarlierExitCodesList().forEach(c -> codes.add(String.valueOf(c)));
    boolean exited = t.getState() == TaskState.TASK_EXITED || t.getState() == TaskState.TASK_FAILED;
    if (exited) {
      codes.add(String.valueOf(t.getExitCode()));
    }
    return codes.isEmpty() ? "-" : String.join(",", codes);
  }

  static String bytes(long b) {
    if (b >= 1L << 30) {
      return String.format(Locale.ROOT, "%.1fGi", b / (double) (1L << 30));
    }
    if (b >= 1L << 20) {
      return (b >> 20) + "Mi";
    }
    return b + "B";
  }
}
