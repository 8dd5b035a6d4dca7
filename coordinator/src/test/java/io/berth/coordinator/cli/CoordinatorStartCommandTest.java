package io.berth.coordinator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Options of `berth coordinator start` refused before anything is started or written. */
class CoordinatorStartCommandTest {
  @TempDir Path dir;

  @Test
  void aRaftSegmentSizeOutOfRangeIsRefusedWithItsRangeAndNothingIsWritten() throws Exception {
    for (String mb : new String[] {"0", "-1", "1025", "4096"}) {
      Path data = dir.resolve("data-" + mb);
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      PrintStream old = System.err;
      int code;
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      try {
        code = new CommandLine(new CoordinatorStartCommand())
            .execute("--bootstrap", "--data-dir", data.toString(), "--raft-segment-mb", mb);
      } finally {
        System.setErr(old);
      }
      assertEquals(2, code, "exit code for --raft-segment-mb " + mb);
      assertTrue(err.toString(StandardCharsets.UTF_8).contains("--raft-segment-mb " + mb + ": from 1 to 1024 MiB"),
          "error for " + mb + ": " + err);
      assertFalse(Files.exists(data), "the data dir was created for a refused start");
    }
  }
}
