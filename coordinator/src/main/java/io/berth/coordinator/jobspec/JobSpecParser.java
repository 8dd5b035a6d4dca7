package io.berth.coordinator.jobspec;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.proto.Constraint;
import io.berth.proto.GroupSpec;
import io.berth.proto.JobSpec;
import io.berth.proto.PortSpec;
import io.berth.proto.Resources;
import io.berth.proto.RestartPolicy;
import io.berth.proto.UpdateStrategy;
import io.berth.proto.VolumeSpec;
import io.berth.coordinator.cron.CronSchedule;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads a job file (YAML, or JSON which is YAML too) into a {@link JobSpec}, strictly: an unknown
 * field, a wrong type or an impossible value is reported with its path, and all problems are
 * reported at once. Nothing is half-accepted.
 */
public final class JobSpecParser {
  static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final Set<String> TYPES = Set.of("service", "global", "batch", "cron");
  private static final Set<String> NETWORKS = Set.of("host", "bridge");
  private static final Set<String> OPERATORS =
      Set.of("=", "==", "!=", "regex", "in", "not_in", "unique", "distinct_hosts", "max_per_node", "spread");
  private static final Set<String> JOB_FIELDS =
      Set.of("name", "namespace", "type", "groups", "priority", "schedule", "time_zone", "overlap");
  private static final Set<String> OVERLAPS = Set.of("allow", "forbid", "replace");
  private static final Set<String> RESTART_FIELDS = Set.of("attempts", "delay", "mode");
  private static final Set<String> RESTART_MODES = Set.of("fail", "delay");
  private static final Set<String> GROUP_FIELDS =
      Set.of("name", "count", "image", "command", "env", "resources", "network", "ports",
          "constraints", "volumes", "dns_ttl", "restart", "update", "health_check");
  private static final Set<String> UPDATE_FIELDS =
      Set.of("max_parallel", "min_healthy_time", "healthy_deadline", "auto_revert");
  private static final Set<String> RESOURCE_FIELDS = Set.of("cpu", "memory");
  private static final Set<String> PORT_FIELDS = Set.of("label", "static", "to");
  private static final Set<String> CONSTRAINT_FIELDS = Set.of("attribute", "operator", "value");
  private static final Set<String> VOLUME_FIELDS = Set.of("host", "container", "read_only");

  private final Clock clock;

  public JobSpecParser() {
    this(Clock.systemUTC());
  }

  /** @param clock decides whether a schedule still fires (a repeating interval may be all past) */
  public JobSpecParser(Clock clock) {
    this.clock = clock;
  }

  public JobSpec parse(String source, String text) throws JobSpecException {
    JsonNode root;
    try {
      root = YamlTree.read(text);
    } catch (IllegalArgumentException e) {
      throw new JobSpecException(source, List.of("not valid YAML " + e.getMessage()));
    }
    Problems p = new Problems();
    if (root == null || !root.isObject()) {
      throw new JobSpecException(source, List.of("the file must be a YAML mapping with name and groups"));
    }
    JobSpec.Builder job = JobSpec.newBuilder();
    p.unknownFields(root, "", JOB_FIELDS);
    job.setName(p.label(root, "name", "", true));
    String ns = p.label(root, "namespace", "", false);
    job.setNamespace(ns.isEmpty() ? "default" : ns);
    String type = p.text(root, "type", "");
    if (type.isEmpty()) {
      type = "service";
    } else if (!TYPES.contains(type)) {
      p.add("type", "must be one of " + new java.util.TreeSet<>(TYPES) + " (got " + type + ")");
    }
    job.setType(type);
    job.setPriority(p.integer(root, "priority", "", 50, 0, 100));
    job.setSchedule(p.text(root, "schedule", ""));
    job.setTimeZone(p.text(root, "time_zone", ""));
    job.setOverlap(p.text(root, "overlap", ""));
    schedule(job, type, p);
    JsonNode groups = root.get("groups");
    if (groups == null || !groups.isArray() || groups.isEmpty()) {
      p.add("groups", "must be a non-empty list of task groups");
    } else {
      Set<String> names = new HashSet<>();
      for (int i = 0; i < groups.size(); i++) {
        GroupSpec g = group(groups.get(i), "groups[" + i + "]", p);
        if (!g.getName().isEmpty() && !names.add(g.getName())) {
          p.add("groups[" + i + "].name", "duplicate group name " + g.getName());
        }
        job.addGroups(g);
        if (g.hasHealthCheck() && (type.equals("batch") || type.equals("cron"))) {
          p.add("groups[" + i + "].health_check", "is only for service and global jobs (this job is " + type
              + "): a task that runs to completion is judged by its exit code");
        }
      }
    }
    if (!p.list.isEmpty()) {
      throw new JobSpecException(source, p.list);
    }
    return job.build();
  }

  /** A cron job's schedule must parse and fire at least once more; other types take none. */
  private void schedule(JobSpec.Builder job, String type, Problems p) {
    if (!type.equals("cron")) {
      for (String f : new String[] {"schedule", "time_zone", "overlap"}) {
        boolean set = switch (f) {
          case "schedule" -> !job.getSchedule().isEmpty();
          case "time_zone" -> !job.getTimeZone().isEmpty();
          default -> !job.getOverlap().isEmpty();
        };
        if (set) {
          p.add(f, "is only for cron jobs (type: cron)");
        }
      }
      return;
    }
    if (!job.getOverlap().isEmpty() && !OVERLAPS.contains(job.getOverlap())) {
      p.add("overlap", "must be one of " + new java.util.TreeSet<>(OVERLAPS) + " (got " + job.getOverlap() + ")");
    }
    try {
      CronSchedule.zone(job.getTimeZone());
    } catch (IllegalArgumentException e) {
      p.add("time_zone", e.getMessage());
      return;
    }
    if (job.getSchedule().isEmpty()) {
      p.add("schedule", "is required for a cron job (a cron expression such as '*/5 * * * *', or "
          + "R/2017-02-14T12:00:00Z/PT3M)");
      return;
    }
    try {
      CronSchedule s = CronSchedule.parse(job.getSchedule(), job.getTimeZone());
      long now = clock.millis();
      if (s.nextAfter(now).isEmpty()) {
        p.add("schedule", "'" + job.getSchedule() + "' never fires after now (" + Instant.ofEpochMilli(now) + ")");
      }
    } catch (IllegalArgumentException e) {
      p.add("schedule", e.getMessage());
    }
  }

  private RestartPolicy restart(JsonNode n, String path, Problems p) {
    RestartPolicy.Builder r = RestartPolicy.newBuilder();
    if (!n.isObject()) {
      p.add(path, "must be a mapping {attempts: N, delay: 1s, mode: fail|delay}");
      return r.build();
    }
    p.unknownFields(n, path + ".", RESTART_FIELDS);
    r.setAttempts(p.integer(n, "attempts", path + ".", 0, 0, 10_000));
    String delay = p.text(n, "delay", path + ".");
    if (!delay.isEmpty()) {
      try {
        r.setDelayMs(Quantities.durationMs(delay));
      } catch (RuntimeException e) {
        p.add(path + ".delay", "must be like 500ms, 1s, 2m or 1h: " + reason(e));
      }
    }
    String mode = p.text(n, "mode", path + ".");
    if (!mode.isEmpty() && !RESTART_MODES.contains(mode)) {
      p.add(path + ".mode", "must be fail or delay (got " + mode + ")");
    }
    r.setMode(mode.isEmpty() ? "fail" : mode);
    return r.build();
  }

  private UpdateStrategy update(JsonNode n, String path, Problems p) {
    UpdateStrategy.Builder u = UpdateStrategy.newBuilder();
    if (!n.isObject()) {
      p.add(path, "must be a mapping {max_parallel: N, min_healthy_time: 10s, auto_revert: true}");
      return u.build();
    }
    p.unknownFields(n, path + ".", UPDATE_FIELDS);
    u.setMaxParallel(p.integer(n, "max_parallel", path + ".", 1, 1, 100_000));
    u.setMinHealthyTimeMs(5000);
    String healthy = p.text(n, "min_healthy_time", path + ".");
    if (!healthy.isEmpty()) {
      try {
        u.setMinHealthyTimeMs(Quantities.durationMs(healthy));
      } catch (RuntimeException e) {
        p.add(path + ".min_healthy_time", "must be like 0s, 10s or 1m: " + reason(e));
      }
    }
    String deadline = p.text(n, "healthy_deadline", path + ".");
    if (!deadline.isEmpty()) {
      try {
        u.setHealthyDeadlineMs(Quantities.durationMs(deadline));
        if (u.getHealthyDeadlineMs() <= u.getMinHealthyTimeMs()) {
          p.add(path + ".healthy_deadline", "must be longer than min_healthy_time (" + u.getMinHealthyTimeMs()
              + " ms): a task cannot be healthy sooner (got " + deadline + ")");
        }
      } catch (RuntimeException e) {
        p.add(path + ".healthy_deadline", "must be like 30s, 5m or 1h: " + reason(e));
      }
    }
    JsonNode revert = n.get("auto_revert");
    if (revert != null) {
      if (!revert.isBoolean()) {
        p.add(path + ".auto_revert", "must be true or false (got " + revert.asText() + ")");
      } else {
        u.setNoAutoRevert(!revert.asBoolean());
      }
    }
    return u.build();
  }

  private GroupSpec group(JsonNode n, String path, Problems p) {
    GroupSpec.Builder g = GroupSpec.newBuilder();
    if (!n.isObject()) {
      p.add(path, "must be a mapping");
      return g.build();
    }
    p.unknownFields(n, path + ".", GROUP_FIELDS);
    g.setName(p.label(n, "name", path + ".", true));
    g.setCount(p.integer(n, "count", path + ".", 1, 0, 100_000));
    String image = p.text(n, "image", path + ".");
    if (image.isBlank()) {
      p.add(path + ".image", "is required (a local image such as lab/busybox:1)");
    }
    g.setImage(image);
    JsonNode cmd = n.get("command");
    if (cmd != null) {
      if (cmd.isArray()) {
        cmd.forEach(c -> g.addCommand(c.asText()));
      } else if (cmd.isTextual()) {
        g.addCommand("/bin/sh").addCommand("-c").addCommand(cmd.asText());
      } else {
        p.add(path + ".command", "must be a list of strings or one shell string");
      }
    }
    JsonNode env = n.get("env");
    if (env != null) {
      if (!env.isObject()) {
        p.add(path + ".env", "must be a mapping of NAME: value");
      } else {
        for (Iterator<Map.Entry<String, JsonNode>> it = env.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> e = it.next();
          g.putEnv(e.getKey(), e.getValue().asText());
        }
      }
    }
    g.setResources(resources(n.get("resources"), path + ".resources", p));
    String network = p.text(n, "network", path + ".");
    if (network.isEmpty()) {
      network = "host";
    } else if (!NETWORKS.contains(network)) {
      p.add(path + ".network", "must be host or bridge (got " + network + ")");
    }
    g.setNetwork(network);
    JsonNode ports = n.get("ports");
    if (ports != null) {
      if (!ports.isArray()) {
        p.add(path + ".ports", "must be a list");
      } else {
        Set<String> labels = new HashSet<>();
        for (int i = 0; i < ports.size(); i++) {
          String pp = path + ".ports[" + i + "]";
          JsonNode pn = ports.get(i);
          p.unknownFields(pn, pp + ".", PORT_FIELDS);
          PortSpec.Builder port = PortSpec.newBuilder();
          port.setLabel(p.label(pn, "label", pp + ".", true));
          if (!port.getLabel().isEmpty() && !labels.add(port.getLabel())) {
            p.add(pp + ".label", "duplicate port label " + port.getLabel());
          }
          port.setStaticPort(p.integer(pn, "static", pp + ".", 0, 1, 65535));
          port.setContainerPort(p.integer(pn, "to", pp + ".", 0, 1, 65535));
          g.addPorts(port);
        }
      }
    }
    JsonNode constraints = n.get("constraints");
    if (constraints != null) {
      if (!constraints.isArray()) {
        p.add(path + ".constraints", "must be a list");
      } else {
        for (int i = 0; i < constraints.size(); i++) {
          String cp = path + ".constraints[" + i + "]";
          JsonNode cn = constraints.get(i);
          p.unknownFields(cn, cp + ".", CONSTRAINT_FIELDS);
          String op = p.text(cn, "operator", cp + ".");
          if (!OPERATORS.contains(op)) {
            p.add(cp + ".operator", "must be one of " + new java.util.TreeSet<>(OPERATORS) + " (got " + op + ")");
          }
          String attr = p.text(cn, "attribute", cp + ".");
          if (attr.isEmpty()) {
            p.add(cp + ".attribute", "is required (hostname, or a node label)");
          }
          String value = p.text(cn, "value", cp + ".");
          if (op.equals("regex")) {
            try {
              Pattern.compile(value);
            } catch (RuntimeException e) {
              p.add(cp + ".value", "is not a valid regular expression: " + e.getMessage());
            }
          }
          g.addConstraints(Constraint.newBuilder().setAttribute(attr).setOperator(op).setValue(value));
        }
      }
    }
    JsonNode volumes = n.get("volumes");
    if (volumes != null) {
      if (!volumes.isArray()) {
        p.add(path + ".volumes", "must be a list");
      } else {
        for (int i = 0; i < volumes.size(); i++) {
          String vp = path + ".volumes[" + i + "]";
          JsonNode vn = volumes.get(i);
          p.unknownFields(vn, vp + ".", VOLUME_FIELDS);
          VolumeSpec.Builder v = VolumeSpec.newBuilder();
          v.setHostPath(p.text(vn, "host", vp + "."));
          v.setContainerPath(p.text(vn, "container", vp + "."));
          JsonNode ro = vn.get("read_only");
          v.setReadOnly(ro != null && ro.asBoolean());
          if (!v.getHostPath().startsWith("/") || !v.getContainerPath().startsWith("/")) {
            p.add(vp, "host and container must both be absolute paths");
          }
          g.addVolumes(v);
        }
      }
    }
    g.setDnsTtlSeconds(p.integer(n, "dns_ttl", path + ".", 0, 0, 86400));
    JsonNode update = n.get("update");
    if (update != null) {
      g.setUpdate(update(update, path + ".update", p));
    }
    JsonNode restart = n.get("restart");
    if (restart != null) {
      g.setRestart(restart(restart, path + ".restart", p));
    }
    JsonNode check = n.get("health_check");
    if (check != null) {
      g.setHealthCheck(HealthCheckReader.read(check, path + ".health_check", g.getPortsList(), p));
    }
    return g.build();
  }

  private Resources resources(JsonNode n, String path, Problems p) {
    Resources.Builder r = Resources.newBuilder();
    if (n == null) {
      return r.build();
    }
    p.unknownFields(n, path + ".", RESOURCE_FIELDS);
    JsonNode cpu = n.get("cpu");
    if (cpu != null) {
      try {
        r.setCpuMillis(Quantities.cpuMillis(cpu.asText()));
      } catch (RuntimeException e) {
        p.add(path + ".cpu", "must be like 500m or 2: " + reason(e));
      }
    }
    JsonNode mem = n.get("memory");
    if (mem != null) {
      try {
        r.setMemoryBytes(Quantities.memoryBytes(mem.asText()));
      } catch (RuntimeException e) {
        p.add(path + ".memory", "must be like 512Mi or 2Gi: " + reason(e));
      }
    }
    return r.build();
  }

  static String reason(RuntimeException e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  /** Collects problems with their paths while reading fields. */
  static final class Problems {
    final List<String> list = new ArrayList<>();

    void add(String path, String message) {
      list.add(path + ": " + message);
    }

    void unknownFields(JsonNode n, String prefix, Set<String> known) {
      if (n == null || !n.isObject()) {
        return;
      }
      for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
        String f = it.next();
        if (!known.contains(f)) {
          add(prefix + f, "unknown field (known: " + String.join(", ", new java.util.TreeSet<>(known)) + ")");
        }
      }
    }

    String text(JsonNode n, String field, String prefix) {
      JsonNode v = n.get(field);
      if (v == null || v.isNull()) {
        return "";
      }
      if (!v.isValueNode()) {
        add(prefix + field, "must be a plain value");
        return "";
      }
      return v.asText();
    }

    String label(JsonNode n, String field, String prefix, boolean required) {
      String v = text(n, field, prefix);
      if (v.isEmpty()) {
        if (required) {
          add(prefix + field, "is required");
        }
        return v;
      }
      if (!DNS_LABEL.matcher(v).matches()) {
        add(prefix + field, "must be a DNS label: lowercase letters, digits and '-', at most 63 (got " + v + ")");
      }
      return v;
    }

    int integer(JsonNode n, String field, String prefix, int dflt, int min, int max) {
      JsonNode v = n.get(field);
      if (v == null || v.isNull()) {
        return dflt;
      }
      if (!v.canConvertToInt() || !v.isIntegralNumber()) {
        add(prefix + field, "must be a whole number (got " + v.asText() + ")");
        return dflt;
      }
      int i = v.asInt();
      if (i < min || i > max) {
        add(prefix + field, "must be between " + min + " and " + max + " (got " + i + ")");
        return dflt;
      }
      return i;
    }
  }
}
