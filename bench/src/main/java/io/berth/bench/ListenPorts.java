package io.berth.bench;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for the processes a bench starts to listen on. Not from the kernel's ephemeral range
 * (32768-60999 on Linux), where {@code new ServerSocket(0)} picks them: a member started first
 * dials out from ports of that range, and once took the DNS port the next member was told to
 * bind. Each port is free for TCP and UDP when picked, and never handed out twice by one picker.
 */
final class ListenPorts {
  private static final int LOW = 20_000;
  private static final int HIGH = 32_000;
  private final Set<Integer> given = new HashSet<>();

  synchronized int next() throws IOException {
    for (int attempt = 0; attempt < 1000; attempt++) {
      int port = ThreadLocalRandom.current().nextInt(LOW, HIGH);
      if (!given.contains(port) && bindable(port)) {
        given.add(port);
        return port;
      }
    }
    throw new IOException("no free port between " + LOW + " and " + HIGH + " after 1000 tries");
  }

  private static boolean bindable(int port) {
    InetAddress loopback = InetAddress.getLoopbackAddress();
    try (ServerSocket tcp = new ServerSocket(port, 1, loopback); DatagramSocket udp = new DatagramSocket(port, loopback)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
