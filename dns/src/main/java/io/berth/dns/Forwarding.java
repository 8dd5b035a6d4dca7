package io.berth.dns;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Where names outside our zones go, and for whom: upstream resolvers, the client networks allowed
 * to use them, how long one upstream may take, and the bounds of the answer cache.
 *
 * @param timeout per upstream attempt; after the last upstream fails the client gets SERVFAIL
 * @param cacheEntries how many distinct questions are remembered (0: no cache)
 * @param maxCacheTtl the longest an upstream answer is reused, whatever its TTL says
 */
public record Forwarding(
    List<InetSocketAddress> upstreams,
    ClientNetworks clients,
    Duration timeout,
    int cacheEntries,
    Duration maxCacheTtl) {
  private static final int DNS_PORT = 53;

  public Forwarding {
    upstreams = List.copyOf(upstreams);
    if (upstreams.isEmpty()) {
      throw new IllegalArgumentException("forwarding needs at least one upstream resolver");
    }
    if (timeout.isNegative() || timeout.isZero() || cacheEntries < 0 || maxCacheTtl.isNegative()) {
      throw new IllegalArgumentException(
          "forwarding timeout must be positive, cache size and max TTL not negative");
    }
  }

  /** Defaults: 2 s per upstream, 10,000 cached questions for at most 60 s. */
  public static Forwarding to(List<InetSocketAddress> upstreams, ClientNetworks clients) {
    return new Forwarding(
        upstreams, clients, Duration.ofSeconds(2), 10_000, Duration.ofSeconds(60));
  }

  /** The resolvers a resolv.conf names (port 53), e.g. the coordinator host's /etc/resolv.conf. */
  public static Forwarding fromResolvConf(Path resolvConf, ClientNetworks clients)
      throws IOException {
    List<InetSocketAddress> upstreams = new ArrayList<>();
    for (String line : Files.readAllLines(resolvConf)) {
      String[] words = line.trim().split("\\s+");
      if (words.length >= 2 && words[0].equals("nameserver")) {
        String literal = words[1].replaceFirst("%.*$", ""); // drop a zone id like %eth0
        InetAddress address = AddressLiteral.parse(literal, resolvConf.toString());
        upstreams.add(new InetSocketAddress(address, DNS_PORT));
      }
    }
    if (upstreams.isEmpty()) {
      throw new IllegalArgumentException(resolvConf + " names no nameserver to forward to");
    }
    return to(upstreams, clients);
  }

  /**
   * Fails when an upstream is the server itself (e.g. a resolv.conf naming this host): every
   * forwarded query would come back to be forwarded again until the timeouts cut the loop.
   */
  void requireNotSelf(InetSocketAddress server) {
    for (InetSocketAddress upstream : upstreams) {
      if (upstream.getPort() == server.getPort() && isLocal(upstream.getAddress(), server)) {
        throw new IllegalArgumentException(
            "forwarding upstream " + upstream + " is this DNS server (" + server
                + "); name another resolver");
      }
    }
  }

  private static boolean isLocal(InetAddress upstream, InetSocketAddress server) {
    if (!server.getAddress().isAnyLocalAddress()) {
      return upstream.equals(server.getAddress());
    }
    try {
      return upstream.isLoopbackAddress() || NetworkInterface.getByInetAddress(upstream) != null;
    } catch (SocketException e) {
      return false; // cannot tell: let it be
    }
  }

  public Forwarding withTimeout(Duration perUpstream) {
    return new Forwarding(upstreams, clients, perUpstream, cacheEntries, maxCacheTtl);
  }

  public Forwarding withCache(int entries, Duration maxTtl) {
    return new Forwarding(upstreams, clients, timeout, entries, maxTtl);
  }
}
