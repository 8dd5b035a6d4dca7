package io.berth.dns;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/**
 * How the server runs; {@link #defaults()} suits production, tests shorten what they wait for.
 *
 * @param tcpIdleTimeout a TCP connection with no traffic this long is closed (RFC 7766 6.2.3)
 * @param udpSockets UDP sockets sharing the port with SO_REUSEPORT (epoll only; NIO uses one), so
 *     the kernel spreads datagrams over the event loops
 * @param socketBufferBytes SO_RCVBUF/SO_SNDBUF asked for UDP (the kernel may cap it at rmem_max)
 * @param forwarding where out-of-zone names go, or null to refuse them
 * @param zoneTransfers who may AXFR/IXFR our zones over TCP (secondary servers)
 * @param notifyTargets secondaries told (RFC 1996 NOTIFY) when the snapshot's serial changes
 */
public record DnsServerOptions(
    Duration tcpIdleTimeout,
    int udpSockets,
    int socketBufferBytes,
    Forwarding forwarding,
    ClientNetworks zoneTransfers,
    List<InetSocketAddress> notifyTargets) {

  public DnsServerOptions {
    if (tcpIdleTimeout.isNegative() || tcpIdleTimeout.isZero()) {
      throw new IllegalArgumentException("TCP idle timeout must be positive: " + tcpIdleTimeout);
    }
    if (udpSockets < 1 || socketBufferBytes < 0) {
      throw new IllegalArgumentException(
          "need at least one UDP socket and a non-negative buffer size");
    }
    notifyTargets = List.copyOf(notifyTargets);
  }

  /** 10 s TCP idle, a UDP socket per core, 4 MiB buffers; no forwarding, transfers or NOTIFY. */
  public static DnsServerOptions defaults() {
    return new DnsServerOptions(
        Duration.ofSeconds(10),
        Runtime.getRuntime().availableProcessors(),
        4 << 20,
        null,
        ClientNetworks.none(),
        List.of());
  }

  public DnsServerOptions withTcpIdleTimeout(Duration timeout) {
    return new DnsServerOptions(
        timeout, udpSockets, socketBufferBytes, forwarding, zoneTransfers, notifyTargets);
  }

  public DnsServerOptions withUdpSockets(int count) {
    return new DnsServerOptions(
        tcpIdleTimeout, count, socketBufferBytes, forwarding, zoneTransfers, notifyTargets);
  }

  public DnsServerOptions withSocketBufferBytes(int bytes) {
    return new DnsServerOptions(
        tcpIdleTimeout, udpSockets, bytes, forwarding, zoneTransfers, notifyTargets);
  }

  public DnsServerOptions withForwarding(Forwarding policy) {
    return new DnsServerOptions(
        tcpIdleTimeout, udpSockets, socketBufferBytes, policy, zoneTransfers, notifyTargets);
  }

  public DnsServerOptions withZoneTransfers(ClientNetworks secondaries) {
    return new DnsServerOptions(
        tcpIdleTimeout, udpSockets, socketBufferBytes, forwarding, secondaries, notifyTargets);
  }

  public DnsServerOptions withNotifyTargets(List<InetSocketAddress> secondaries) {
    return new DnsServerOptions(
        tcpIdleTimeout, udpSockets, socketBufferBytes, forwarding, zoneTransfers, secondaries);
  }
}
