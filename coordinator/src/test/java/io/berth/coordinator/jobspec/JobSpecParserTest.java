package io.berth.coordinator.jobspec;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
}
