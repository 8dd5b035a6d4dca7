package io.berth.coordinator.jobspec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.proto.GroupSpec;
import io.berth.proto.JobSpec;
import org.junit.jupiter.api.Test;

class JobSpecParserTest {
  private final JobSpecParser parser = new JobSpecParser();

  @Test
  void readsAFullSpec() throws JobSpecException {
    JobSpec spec =
        parser.parse(
            "web.yaml",
            """
            name: spark
            groups:
              - name: master
                count: 2
                image: lab/java17:1
                command: ["/bin/sh", "-c", "sleep 1"]
                env: {A: "1"}
                resources: {cpu: 500m, memory: 512Mi}
                network: bridge
                ports:
                  - {label: rpc, static: 7077}
                  - {label: ui, to: 8080}
                constraints:
                  - {attribute: hostname, operator: unique}
                volumes:
                  - {host: /data, container: /data, read_only: true}
            """);
    assertEquals("default", spec.getNamespace());
    assertEquals("service", spec.getType());
    GroupSpec g = spec.getGroups(0);
    assertEquals(2, g.getCount());
    assertEquals(500, g.getResources().getCpuMillis());
    assertEquals(512L * 1024 * 1024, g.getResources().getMemoryBytes());
    assertEquals(7077, g.getPorts(0).getStaticPort());
    assertEquals(8080, g.getPorts(1).getContainerPort());
    assertTrue(g.getVolumes(0).getReadOnly());
    assertEquals("1", g.getEnvMap().get("A"));
  }

  @Test
  void shellStringCommandAndDefaults() throws JobSpecException {
    JobSpec spec = parser.parse("f", "name: a\ngroups: [{name: g, image: i, command: 'echo hi'}]");
    GroupSpec g = spec.getGroups(0);
    assertEquals(1, g.getCount());
    assertEquals("host", g.getNetwork());
    assertEquals(java.util.List.of("/bin/sh", "-c", "echo hi"), g.getCommandList());
  }

  @Test
  void reportsEveryProblemWithItsPath() {
    JobSpecException e =
        assertThrows(
            JobSpecException.class,
            () ->
                parser.parse(
                    "bad.yaml",
                    """
                    name: web
                    colour: blue
                    groups:
                      - name: g
                        count: -1
                      - name: g
                        image: x
                        ports: [{label: a}, {label: a}]
                        resources: {memory: lots}
                    """));
    String all = String.join("\n", e.problems());
    assertTrue(all.contains("colour: unknown field"), all);
    assertTrue(all.contains("groups[0].count: must be between 0 and 100000 (got -1)"), all);
    assertTrue(all.contains("groups[0].image: is required"), all);
    assertTrue(all.contains("groups[1].name: duplicate group name g"), all);
    assertTrue(all.contains("groups[1].ports[1].label: duplicate port label a"), all);
    assertTrue(all.contains("groups[1].resources.memory: must be like 512Mi"), all);
    assertTrue(e.getMessage().startsWith("bad.yaml: "), e.getMessage());
  }

  @Test
  void rejectsBadNamesTypesAndYaml() {
    assertThrows(JobSpecException.class, () -> parser.parse("f", "name: Web_1\ngroups: [{name: g, image: i}]"));
    assertThrows(JobSpecException.class, () -> parser.parse("f", "name: w\ntype: daemon\ngroups: [{name: g, image: i}]"));
    assertThrows(JobSpecException.class, () -> parser.parse("f", "name: w\ngroups: []"));
    JobSpecException e = assertThrows(JobSpecException.class, () -> parser.parse("f", "name: [unclosed"));
    assertTrue(e.getMessage().contains("not valid YAML"), e.getMessage());
  }

  // ---------------------------------------------------------------- cron, restart, bad input

  private static final java.time.Clock NOW =
      java.time.Clock.fixed(java.time.Instant.parse("2026-11-22T02:00:00Z"), java.time.ZoneOffset.UTC);

  private static String problems(JobSpecParser p, String yaml) {
    return String.join("\n", assertThrows(JobSpecException.class, () -> p.parse("c.yaml", yaml)).problems());
  }

  @Test
  void readsACronJobAndARestartPolicy() throws JobSpecException {
    JobSpec spec = new JobSpecParser(NOW).parse("c.yaml", """
        name: report
        type: cron
        schedule: "R/2017-02-14T12:00:00Z/PT3M"
        time_zone: Europe/Berlin
        overlap: replace
        groups:
          - name: gen
            image: i
            restart: {attempts: 3, delay: 2s, mode: fail}
        """);
    assertEquals("R/2017-02-14T12:00:00Z/PT3M", spec.getSchedule());
    assertEquals("Europe/Berlin", spec.getTimeZone());
    assertEquals("replace", spec.getOverlap());
    assertEquals(3, spec.getGroups(0).getRestart().getAttempts());
    assertEquals(2000, spec.getGroups(0).getRestart().getDelayMs());
    assertEquals("fail", spec.getGroups(0).getRestart().getMode());
    JobSpec five = new JobSpecParser(NOW).parse("c.yaml",
        "name: r\ntype: cron\nschedule: '*/5 * * * mon-fri'\ngroups: [{name: g, image: i, restart: {attempts: 2}}]");
    assertEquals("fail", five.getGroups(0).getRestart().getMode(), "mode defaults to fail");
  }

  @Test
  void refusesSchedulesThatCannotParseOrNeverFireWithTheFieldPath() {
    JobSpecParser p = new JobSpecParser(NOW);
    String base = "name: r\ntype: cron\ngroups: [{name: g, image: i}]\n";
    assertTrue(problems(p, base + "schedule: '61 * * * *'").startsWith("schedule: cron minute field '61'"),
        problems(p, base + "schedule: '61 * * * *'"));
    assertTrue(problems(p, base + "schedule: 'every day'").startsWith("schedule: 'every day' is neither"));
    assertTrue(problems(p, base + "schedule: '0 0 30 2 *'").startsWith("schedule: '0 0 30 2 *' never fires"));
    // Five repetitions, all in 2017: it never fires again.
    assertTrue(problems(p, base + "schedule: R5/2017-02-14T12:00:00Z/PT3M").startsWith(
        "schedule: 'R5/2017-02-14T12:00:00Z/PT3M' never fires after now"));
    assertTrue(problems(p, base).startsWith("schedule: is required for a cron job"));
    assertTrue(problems(p, base + "schedule: '* * * * *'\ntime_zone: Mars/Olympus").startsWith(
        "time_zone: unknown time zone"));
    assertTrue(problems(p, base + "schedule: '* * * * *'\noverlap: sometimes").startsWith("overlap: must be one of"));
    assertTrue(problems(p, "name: s\nschedule: '* * * * *'\ngroups: [{name: g, image: i}]")
        .startsWith("schedule: is only for cron jobs"));
  }

  @Test
  void refusesBadRestartPoliciesAndNegativeResources() {
    String all = problems(parser, """
        name: w
        groups:
          - name: g
            image: i
            resources: {cpu: -1, memory: -5Mi}
            restart: {attempts: -2, delay: soon, mode: never, colour: red}
        """);
    assertTrue(all.contains("groups[0].resources.cpu: must be like 500m or 2: must not be negative"), all);
    assertTrue(all.contains("groups[0].resources.memory: must be like 512Mi or 2Gi: must not be negative"), all);
    assertTrue(all.contains("groups[0].restart.attempts: must be between 0 and 10000 (got -2)"), all);
    assertTrue(all.contains("groups[0].restart.delay: must be like 500ms, 1s, 2m or 1h"), all);
    assertTrue(all.contains("groups[0].restart.mode: must be fail or delay (got never)"), all);
    assertTrue(all.contains("groups[0].restart.colour: unknown field"), all);
  }

  @Test
  void readsAnUpdateStrategyAndRefusesBadOnes() throws JobSpecException {
    JobSpec spec = parser.parse("u.yaml",
        "name: w\ngroups: [{name: g, image: i, update: {max_parallel: 2, min_healthy_time: 10s, auto_revert: false}}]");
    assertEquals(2, spec.getGroups(0).getUpdate().getMaxParallel());
    assertEquals(10_000, spec.getGroups(0).getUpdate().getMinHealthyTimeMs());
    assertTrue(spec.getGroups(0).getUpdate().getNoAutoRevert());
    JobSpec defaults = parser.parse("u.yaml", "name: w\ngroups: [{name: g, image: i, update: {}}]");
    assertEquals(1, defaults.getGroups(0).getUpdate().getMaxParallel());
    assertEquals(5000, defaults.getGroups(0).getUpdate().getMinHealthyTimeMs());
    String all = problems(parser,
        "name: w\ngroups: [{name: g, image: i, update: {max_parallel: 0, min_healthy_time: x, auto_revert: maybe}}]");
    assertTrue(all.contains("groups[0].update.max_parallel: must be between 1 and 100000 (got 0)"), all);
    assertTrue(all.contains("groups[0].update.min_healthy_time: must be like 0s, 10s or 1m"), all);
    assertTrue(all.contains("groups[0].update.auto_revert: must be true or false (got maybe)"), all);
  }

  @Test
  void readsHealthChecksWithDefaultsAndAHealthyDeadline() throws JobSpecException {
    JobSpec spec = parser.parse("h.yaml", """
        name: w
        groups:
          - name: web
            image: i
            ports: [{label: http}]
            health_check: {type: http, port: http, path: /healthz, interval: 2s, timeout: 1s, unhealthy_after: 2, grace: 5s}
            update: {min_healthy_time: 3s, healthy_deadline: 1m}
          - name: db
            image: i
            health_check: {type: command, command: "pg_isready -q"}
        """);
    io.berth.proto.HealthCheck web = spec.getGroups(0).getHealthCheck();
    assertEquals("http", web.getType());
    assertEquals("http", web.getPort());
    assertEquals("/healthz", web.getPath());
    assertEquals(2000, web.getIntervalMs());
    assertEquals(1000, web.getTimeoutMs());
    assertEquals(2, web.getUnhealthyAfter());
    assertEquals(5000, web.getGraceMs());
    assertEquals(60_000, spec.getGroups(0).getUpdate().getHealthyDeadlineMs());
    io.berth.proto.HealthCheck db = spec.getGroups(1).getHealthCheck();
    assertEquals(java.util.List.of("/bin/sh", "-c", "pg_isready -q"), db.getCommandList());
    assertEquals(5000, db.getIntervalMs());
    assertEquals(2000, db.getTimeoutMs());
    assertEquals(3, db.getUnhealthyAfter());
    assertEquals(10_000, db.getGraceMs());
    assertFalse(spec.getGroups(1).hasUpdate());
  }

  @Test
  void refusesBadHealthChecksWithTheFieldPath() {
    String all = problems(parser, """
        name: w
        groups:
          - name: a
            image: i
            ports: [{label: http}]
            health_check: {type: http, port: admin, path: healthz, interval: 10ms, timeout: soon, unhealthy_after: 0, colour: red}
          - name: b
            image: i
            health_check: {type: tcp, command: [true]}
          - name: c
            image: i
            health_check: {type: command}
          - name: d
            image: i
            health_check: {type: ping}
            update: {min_healthy_time: 10s, healthy_deadline: 5s}
        """);
    assertTrue(all.contains("groups[0].health_check.port: must name one of the group's ports [http] (got admin)"), all);
    assertTrue(all.contains("groups[0].health_check.path: must start with / and have no spaces (got healthz)"), all);
    assertTrue(all.contains("groups[0].health_check.interval: must be at least 100ms (got 10ms)"), all);
    assertTrue(all.contains("groups[0].health_check.timeout: must be like 500ms, 2s or 1m"), all);
    assertTrue(all.contains("groups[0].health_check.unhealthy_after: must be between 1 and 100 (got 0)"), all);
    assertTrue(all.contains("groups[0].health_check.colour: unknown field"), all);
    assertTrue(all.contains("groups[1].health_check.command: is only for type command"), all);
    assertTrue(all.contains("groups[1].health_check.port: is required for type tcp: the label of one of the group's"
        + " ports (the group has none)"), all);
    assertTrue(all.contains("groups[2].health_check.command: is required for type command"), all);
    assertTrue(all.contains("groups[3].health_check.type: must be one of [command, http, tcp] (got ping)"), all);
    assertTrue(all.contains("groups[3].update.healthy_deadline: must be longer than min_healthy_time"), all);
    String batch = problems(parser, "name: w\ntype: batch\ngroups: [{name: g, image: i, "
        + "health_check: {type: command, command: [true]}}]");
    assertTrue(batch.contains("groups[0].health_check: is only for service and global jobs (this job is batch)"), batch);
  }

  @Test
  void anchorsAliasesAndMergeKeysAreResolved() throws JobSpecException {
    JobSpec spec = parser.parse("spark.yaml", """
        name: spark
        groups:
          - &base
            name: master
            image: lab/java17:1
            env: &env {SPARK_NO_DAEMONIZE: "1", MODE: a}
          - <<: *base
            name: worker
            count: 2
            env:
              <<: *env
              MODE: b
        """);
    assertEquals("lab/java17:1", spec.getGroups(1).getImage());
    assertEquals(2, spec.getGroups(1).getCount());
    assertEquals("1", spec.getGroups(1).getEnvMap().get("SPARK_NO_DAEMONIZE"));
    assertEquals("b", spec.getGroups(1).getEnvMap().get("MODE"), "a mapping's own keys win over merged ones");
    assertEquals("a", spec.getGroups(0).getEnvMap().get("MODE"));
  }

  @Test
  void anAliasBombIsRefusedNotExpanded() {
    StringBuilder y = new StringBuilder("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    char prev = 'a';
    for (char c = 'b'; c <= 'k'; c++) {
      y.append(c).append(": &").append(c).append(" [");
      for (int i = 0; i < 10; i++) {
        y.append(i == 0 ? "" : ", ").append('*').append(prev);
      }
      y.append("]\n");
      prev = c;
    }
    JobSpecException e = assertThrows(JobSpecException.class, () -> parser.parse("bomb.yaml", y.toString()));
    assertTrue(e.getMessage().contains("not valid YAML"), e.getMessage());
  }
}
