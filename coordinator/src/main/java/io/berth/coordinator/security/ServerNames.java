package io.berth.coordinator.security;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The names and addresses a coordinator's certificate must cover: clients dial whatever they were
 * given (the advertised address, the bind address, the host's name, or any local address when it
 * listens on all of them), and TLS checks the name against the certificate.
 */
public final class ServerNames {
  private ServerNames() {}

  public static List<String> of(String bind, String advertise) {
    Set<String> out = new LinkedHashSet<>();
    out.add(advertise);
    boolean wildcard = bind.equals("0.0.0.0") || bind.equals("::") || bind.equals("[::]");
    if (!wildcard) {
      out.add(bind);
    }
    try {
      InetAddress local = InetAddress.getLocalHost();
      out.add(local.getHostName());
      out.add(local.getCanonicalHostName());
    } catch (java.io.IOException e) {
      // no resolvable host name: addresses still work
    }
    if (wildcard) {
      try {
        for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
          for (InetAddress a : Collections.list(nif.getInetAddresses())) {
            if (!a.isLinkLocalAddress()) {
              out.add(a.getHostAddress().replaceAll("%.*$", ""));
            }
          }
        }
      } catch (SocketException e) {
        // only the advertised address then
      }
    }
    out.removeIf(String::isBlank);
    return List.copyOf(out);
  }
}
