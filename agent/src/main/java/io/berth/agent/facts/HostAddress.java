package io.berth.agent.facts;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** Finds the address other hosts can reach this one at, when the operator did not say. */
public final class HostAddress {

  private HostAddress() {}

  /**
   * The first non-loopback IPv4 address of an interface that is up, interfaces taken in index
   * order (so eth0 comes before docker0, which Docker creates later). Link-local addresses are
   * skipped: they are not routable between hosts.
   */
  public static Optional<String> firstNonLoopbackIpv4() {
    List<NetworkInterface> interfaces;
    try {
      interfaces = new ArrayList<>(Collections.list(NetworkInterface.getNetworkInterfaces()));
    } catch (SocketException | NullPointerException e) {
      return Optional.empty();
    }
    interfaces.sort(Comparator.comparingInt(NetworkInterface::getIndex));
    for (NetworkInterface nif : interfaces) {
      try {
        if (!nif.isUp() || nif.isLoopback()) {
          continue;
        }
      } catch (SocketException e) {
        continue;
      }
      for (InetAddress a : Collections.list(nif.getInetAddresses())) {
        if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
          return Optional.of(a.getHostAddress());
        }
      }
    }
    return Optional.empty();
  }
}
