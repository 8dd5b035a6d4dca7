package io.berth.coordinator.jobspec;

import java.math.BigDecimal;

/** Kubernetes-style resource quantities: cpu "500m" or "2", memory "512Mi", "1G" or bytes. */
final class Quantities {
  private Quantities() {}

  /** CPU in millicores; throws IllegalArgumentException with a readable reason. */
  static long cpuMillis(String text) {
    String t = text.trim();
    if (t.endsWith("m")) {
      return nonNegative(Long.parseLong(t.substring(0, t.length() - 1)), text);
    }
    return nonNegative(new BigDecimal(t).movePointRight(3).longValueExact(), text);
  }

  static long memoryBytes(String text) {
    String t = text.trim();
    String[][] units = {
      {"Ki", "1024"}, {"Mi", "1048576"}, {"Gi", "1073741824"}, {"Ti", "1099511627776"},
      {"k", "1000"}, {"K", "1000"}, {"M", "1000000"}, {"G", "1000000000"}, {"T", "1000000000000"}
    };
    for (String[] u : units) {
      if (t.endsWith(u[0])) {
        BigDecimal n = new BigDecimal(t.substring(0, t.length() - u[0].length()).trim());
        return nonNegative(n.multiply(new BigDecimal(u[1])).longValue(), text);
      }
    }
    return nonNegative(new BigDecimal(t).longValueExact(), text);
  }

  /** A duration like "500ms", "1s", "2m", "1h" (or ISO 8601 "PT1S") in milliseconds. */
  static long durationMs(String text) {
    String t = text.trim();
    if (t.startsWith("P") || t.startsWith("p")) {
      return nonNegative(java.time.Duration.parse(t).toMillis(), text);
    }
    String[][] units = {{"ms", "1"}, {"s", "1000"}, {"m", "60000"}, {"h", "3600000"}};
    for (String[] u : units) {
      if (t.endsWith(u[0])) {
        BigDecimal n = new BigDecimal(t.substring(0, t.length() - u[0].length()).trim());
        return nonNegative(n.multiply(new BigDecimal(u[1])).longValue(), text);
      }
    }
    throw new IllegalArgumentException("no unit (ms, s, m or h) in " + text);
  }

  private static long nonNegative(long v, String text) {
    if (v < 0) {
      throw new IllegalArgumentException("must not be negative (got " + text + ")");
    }
    return v;
  }
}
