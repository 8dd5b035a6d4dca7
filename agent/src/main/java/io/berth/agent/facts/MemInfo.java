package io.berth.agent.facts;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/** Reads the machine's memory from /proc/meminfo (the JVM only knows its own heap). */
public final class MemInfo {

  private MemInfo() {}

  /** MemTotal in bytes, empty when the file is missing or has no such line. */
  public static OptionalLong totalBytes(Path meminfo) {
    try {
      for (String line : Files.readAllLines(meminfo)) {
        if (line.startsWith("MemTotal:")) {
          String[] f = line.substring("MemTotal:".length()).trim().split("\\s+");
          long value = Long.parseLong(f[0]);
          // The kernel writes "kB" and means KiB.
          long unit = f.length > 1 && f[1].equalsIgnoreCase("kB") ? 1024 : 1;
          return OptionalLong.of(value * unit);
        }
      }
    } catch (IOException | RuntimeException e) {
      // unknown: the caller decides
    }
    return OptionalLong.empty();
  }
}
