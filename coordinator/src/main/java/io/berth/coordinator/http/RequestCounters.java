package io.berth.coordinator.http;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Requests served, by route and status: served at /metrics in the Prometheus text format, so an
 * operator (and the lab test) can see e.g. that a refused token led to no bundle download.
 */
public final class RequestCounters {
  private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

  void count(String route, int status) {
    counts.computeIfAbsent(route + "\u0000" + status, k -> new LongAdder()).increment();
  }

  /** How many requests of this route were answered, whatever the status. */
  public long served(String route) {
    return counts.entrySet().stream().filter(e -> e.getKey().startsWith(route + "\u0000"))
        .mapToLong(e -> e.getValue().sum()).sum();
  }

  String prometheusText() {
    StringBuilder out = new StringBuilder("# TYPE berth_http_requests_total counter\n");
    new TreeMap<>(counts).forEach((key, n) -> {
      String[] parts = key.split("\u0000");
      out.append("berth_http_requests_total{route=\"").append(parts[0]).append("\",status=\"").append(parts[1])
          .append("\"} ").append(n.sum()).append('\n');
    });
    return out.toString();
  }
}
