package io.berth.agent.facts;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/** The host's name, for the node's default name. */
public final class HostName {

  private HostName() {}

  /**
   * The kernel's host name. Read from /proc first: InetAddress.getLocalHost() also resolves the
   * name, and fails when it is not in /etc/hosts.
   */
  public static String local() {
    try {
      String name = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
      if (!name.isEmpty()) {
        return name;
      }
    } catch (IOException | RuntimeException e) {
      // fall through
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "localhost";
    }
  }
}
