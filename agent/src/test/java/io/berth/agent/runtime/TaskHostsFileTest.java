package io.berth.agent.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TaskHostsFileTest {

  private static final String HOST = "127.0.0.1\tlocalhost\n"
      + "::1\tlocalhost ip6-localhost ip6-loopback\n"
      + "10.99.0.11\th1\n"
      + "10.99.0.12\th2 # the second host\n";

  @Test
  void putsTheTaskNameFirstAndKeepsEveryHostEntry() {
    String out = TaskHostsFile.render(HOST, "master.spark.default.berth", "10.99.0.11");
    String[] lines = out.split("\n");
    assertTrue(lines[0].startsWith("#"));
    assertEquals("10.99.0.11\tmaster.spark.default.berth master", lines[1]);
    assertTrue(out.contains("10.99.0.12\th2 # the second host\n"), out);
    assertTrue(out.contains("10.99.0.11\th1\n"));
    assertEquals(1, out.split("127.0.0.1\tlocalhost", -1).length - 1, "localhost not doubled");
    assertTrue(out.endsWith("\n"));
  }

  @Test
  void addsLocalhostWhenTheHostFileLacksIt() {
    String out = TaskHostsFile.render("10.99.0.11 h1\n", "a.b.berth", "10.99.0.11");
    assertTrue(out.contains("127.0.0.1\tlocalhost\n"), out);
    assertTrue(out.contains("::1\tlocalhost"), out);
    assertTrue(out.contains("10.99.0.11 h1\n"));
  }

  @Test
  void dropsHostLinesThatClaimTheTaskNameForAnotherAddress() {
    String out = TaskHostsFile.render(HOST + "10.1.1.1 stale.web.berth\n", "stale.web.berth",
        "10.99.0.12");
    assertFalse(out.contains("10.1.1.1"), out);
    assertTrue(out.contains("10.99.0.12\tstale.web.berth stale\n"), out);
  }

  @Test
  void aNumericFirstLabelIsNotUsedAsAShortName() {
    assertEquals("", TaskHostsFile.shortName("0.master.spark.default.berth"));
    assertEquals("web", TaskHostsFile.shortName("web.x.berth"));
    assertEquals("", TaskHostsFile.shortName("plain"));
    String out = TaskHostsFile.render("", "0.master.spark.default.berth", "10.99.0.11");
    assertTrue(out.contains("10.99.0.11\t0.master.spark.default.berth\n"), out);
  }

  @Test
  void writesTheFileAtomically(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("tasks/t1/hosts");
    TaskHostsFile.write(file, "one\n");
    TaskHostsFile.write(file, "two\n");
    assertEquals("two\n", Files.readString(file));
    try (var files = Files.list(file.getParent())) {
      assertEquals(1, files.count(), "no temporary file left behind");
    }
  }
}
