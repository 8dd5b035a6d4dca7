package io.berth.coordinator.jobspec;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.proto.HealthCheck;
import io.berth.proto.PortSpec;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads a group's {@code health_check}: {@code {type: command|tcp|http, command: [..], port: <port
 * label>, path: /, interval: 5s, timeout: 2s, unhealthy_after: 3, grace: 10s}}. Each field belongs
 * to the types that use it; a port must be one of the group's port labels.
 */
final class HealthCheckReader {
  static final long DEFAULT_INTERVAL_MS = 5_000;
  static final long DEFAULT_TIMEOUT_MS = 2_000;
  static final int DEFAULT_UNHEALTHY_AFTER = 3;
  static final long DEFAULT_GRACE_MS = 10_000;
  private static final long MIN_INTERVAL_MS = 100;
  private static final Set<String> TYPES = Set.of("command", "tcp", "http");
  private static final Set<String> FIELDS =
      Set.of("type", "command", "port", "path", "interval", "timeout", "unhealthy_after", "grace");

  private HealthCheckReader() {}

  static HealthCheck read(JsonNode n, String path, List<PortSpec> ports, JobSpecParser.Problems p) {
    HealthCheck.Builder h = HealthCheck.newBuilder();
    if (!n.isObject()) {
      p.add(path, "must be a mapping {type: command|tcp|http, ...}");
      return h.build();
    }
    p.unknownFields(n, path + ".", FIELDS);
    String type = p.text(n, "type", path + ".");
    if (type.isEmpty()) {
      p.add(path + ".type", "is required: command, tcp or http");
    } else if (!TYPES.contains(type)) {
      p.add(path + ".type", "must be one of " + new TreeSet<>(TYPES) + " (got " + type + ")");
    }
    h.setType(type);

    JsonNode cmd = n.get("command");
    if (cmd != null) {
      if (!type.equals("command")) {
        p.add(path + ".command", "is only for type command");
      } else if (cmd.isArray() && !cmd.isEmpty()) {
        cmd.forEach(c -> h.addCommand(c.asText()));
      } else if (cmd.isTextual() && !cmd.asText().isBlank()) {
        h.addCommand("/bin/sh").addCommand("-c").addCommand(cmd.asText());
      } else {
        p.add(path + ".command", "must be a non-empty list of strings or one shell string");
      }
    } else if (type.equals("command")) {
      p.add(path + ".command", "is required for type command (e.g. [\"pg_isready\"])");
    }

    String port = p.text(n, "port", path + ".");
    if (type.equals("tcp") || type.equals("http")) {
      Set<String> labels = new TreeSet<>();
      ports.forEach(ps -> labels.add(ps.getLabel()));
      if (port.isEmpty()) {
        p.add(path + ".port", "is required for type " + type + ": the label of one of the group's ports "
            + (labels.isEmpty() ? "(the group has none)" : labels.toString()));
      } else if (!labels.contains(port)) {
        p.add(path + ".port", "must name one of the group's ports " + labels + " (got " + port + ")");
      }
    } else if (!port.isEmpty()) {
      p.add(path + ".port", "is only for types tcp and http");
    }
    h.setPort(port);

    String httpPath = p.text(n, "path", path + ".");
    if (!httpPath.isEmpty()) {
      if (!type.equals("http")) {
        p.add(path + ".path", "is only for type http");
      } else if (!httpPath.startsWith("/") || httpPath.chars().anyMatch(c -> c <= ' ')) {
        p.add(path + ".path", "must start with / and have no spaces (got " + httpPath + ")");
      }
    }
    h.setPath(httpPath);

    h.setIntervalMs(duration(n, "interval", path, DEFAULT_INTERVAL_MS, MIN_INTERVAL_MS, p));
    h.setTimeoutMs(duration(n, "timeout", path, DEFAULT_TIMEOUT_MS, 1, p));
    h.setGraceMs(duration(n, "grace", path, DEFAULT_GRACE_MS, 0, p));
    h.setUnhealthyAfter(p.integer(n, "unhealthy_after", path + ".", DEFAULT_UNHEALTHY_AFTER, 1, 100));
    return h.build();
  }

  private static long duration(JsonNode n, String field, String path, long dflt, long min, JobSpecParser.Problems p) {
    String text = p.text(n, field, path + ".");
    if (text.isEmpty()) {
      return dflt;
    }
    try {
      long ms = Quantities.durationMs(text);
      if (ms < min) {
        p.add(path + "." + field, "must be at least " + min + "ms (got " + text + ")");
        return dflt;
      }
      return ms;
    } catch (RuntimeException e) {
      p.add(path + "." + field, "must be like 500ms, 2s or 1m: " + JobSpecParser.reason(e));
      return dflt;
    }
  }
}
