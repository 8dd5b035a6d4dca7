package io.berth.agent.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Builds the /etc/hosts a task sees. Docker's --add-host would make it write a fresh file without
 * the host's own entries, so instead we copy the host's file, put the task's FQDN (and short name)
 * on the task's routable address, and bind-mount the result read-only at /etc/hosts.
 */
public final class TaskHostsFile {

  private TaskHostsFile() {}

  /** The file content: our line first (first match wins in resolvers), then the host's lines. */
  public static String render(String hostHosts, String fqdn, String address) {
    StringBuilder out = new StringBuilder();
    out.append("# written by the berth agent for ").append(fqdn).append('\n');
    List<String> hostLines = hostHosts == null || hostHosts.isEmpty()
        ? List.of()
        : Arrays.asList(hostHosts.split("\r?\n", -1));
    if (!mentions(hostLines, "localhost")) {
      out.append("127.0.0.1\tlocalhost\n");
      out.append("::1\tlocalhost ip6-localhost ip6-loopback\n");
    }
    if (!fqdn.isEmpty() && !address.isEmpty()) {
      out.append(address).append('\t').append(fqdn);
      String shortName = shortName(fqdn);
      if (!shortName.isEmpty()) {
        out.append(' ').append(shortName);
      }
      out.append('\n');
    }
    for (String line : withoutNames(hostLines, fqdn)) {
      out.append(line).append('\n');
    }
    return out.toString();
  }

  /** Writes the file atomically (a half-written hosts file would break name lookups). */
  public static Path write(Path file, String content) {
    try {
      Files.createDirectories(file.getParent());
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.writeString(tmp, content, StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  /**
   * The first label of the FQDN, or "" when it is the whole name or numeric (a task named
   * 0.master.spark... would otherwise claim the host name "0", which resolvers parse as 0.0.0.0).
   */
  static String shortName(String fqdn) {
    int dot = fqdn.indexOf('.');
    if (dot <= 0) {
      return "";
    }
    String first = fqdn.substring(0, dot);
    return first.chars().allMatch(Character::isDigit) ? "" : first;
  }

  private static boolean mentions(List<String> lines, String name) {
    for (String line : lines) {
      if (names(line).contains(name)) {
        return true;
      }
    }
    return false;
  }

  /** Drops host lines claiming the task's FQDN for another address; keeps the rest verbatim. */
  private static List<String> withoutNames(List<String> lines, String fqdn) {
    List<String> kept = new ArrayList<>();
    String wanted = fqdn.toLowerCase(Locale.ROOT);
    for (String line : lines) {
      if (!names(line).contains(wanted)) {
        kept.add(line);
      }
    }
    // split(-1) leaves a trailing "" for a final newline: do not double it.
    while (!kept.isEmpty() && kept.get(kept.size() - 1).isEmpty()) {
      kept.remove(kept.size() - 1);
    }
    return kept;
  }

  private static List<String> names(String line) {
    String content = line;
    int hash = content.indexOf('#');
    if (hash >= 0) {
      content = content.substring(0, hash);
    }
    String[] fields = content.trim().split("\\s+");
    if (fields.length < 2) {
      return List.of();
    }
    List<String> names = new ArrayList<>();
    for (int i = 1; i < fields.length; i++) {
      names.add(fields[i].toLowerCase(Locale.ROOT));
    }
    return names;
  }
}
