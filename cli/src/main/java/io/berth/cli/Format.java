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
