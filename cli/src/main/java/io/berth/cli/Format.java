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
