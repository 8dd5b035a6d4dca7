package io.berth.agent.facts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.proto.NodeFacts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FactsTest {

  @TempDir
  Path dir;

  @Test
  void memTotalIsReadInBytes() throws Exception {
    Path meminfo = dir.resolve("meminfo");
    Files.writeString(meminfo, "MemFree:  100 kB\nMemTotal:       8040508 kB\n");
    assertEquals(OptionalLong.of(8040508L * 1024), MemInfo.totalBytes(meminfo));
    assertEquals(OptionalLong.empty(), MemInfo.totalBytes(dir.resolve("missing")));
  }

  @Test
  void labelsParseAndBadOnesAreRejectedWithTheirName() {
    assertEquals(Map.of("rack", "r1", "disk", "ssd"), Labels.parse("rack=r1, disk=ssd"));
    assertEquals(Map.of(), Labels.parse(""));
    assertEquals(Map.of("empty", ""), Labels.parse("empty="));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Labels.parse("rack=r1,oops"));
    assertTrue(e.getMessage().contains("'oops'"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Labels.parse("a=1,a=2"));
    assertThrows(IllegalArgumentException.class, () -> Labels.parse("bad key=1"));
  }

  @Test
  void factsCombineTheMachineAndTheOperatorsChoices() throws Exception {
    Path meminfo = dir.resolve("meminfo");
    Files.writeString(meminfo, "MemTotal: 1024 kB\n");
    NodeFacts f = new NodeFactsCollector("h1", "10.99.0.11", Map.of("rack", "r1"),
        () -> "docker 20.10.24 (API 1.41)", meminfo).get();
    assertEquals("h1", f.getName());
    assertEquals("10.99.0.11", f.getAddress());
    assertEquals(Runtime.getRuntime().availableProcessors() * 1000L, f.getCpuMillis());
    assertEquals(1024L * 1024, f.getMemoryBytes());
    assertEquals("r1", f.getLabelsOrThrow("rack"));
    assertEquals("docker 20.10.24 (API 1.41)", f.getRuntimeVersion());
    assertTrue(!f.getAgentVersion().isEmpty());

    NodeFacts down = new NodeFactsCollector("h1", "10.99.0.11", Map.of(), () -> {
      throw new IllegalStateException("docker down");
    }, meminfo).get();
    assertEquals("", down.getRuntimeVersion(), "an unreachable runtime leaves the fact empty");
  }

  @Test
  void theDefaultAddressIsANonLoopbackIpv4WhenThereIsOne() {
    HostAddress.firstNonLoopbackIpv4().ifPresent(a -> {
      assertTrue(a.matches("\\d+\\.\\d+\\.\\d+\\.\\d+"), a);
      assertTrue(!a.startsWith("127."), a);
    });
    assertTrue(!HostName.local().isEmpty());
  }
}
