package io.berth.dns;

import static io.berth.dns.TestZone.ip;
import static io.berth.dns.TestZone.name;
import static io.berth.dns.TestZone.answers;
import static io.berth.dns.TestZone.query;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/** Forwarding against an upstream DnsServer this test runs on loopback. */
class ForwardingTest {
  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
  private final AtomicReference<ZoneSnapshot> upstreamZone =
      new AtomicReference<>(upstreamZone("192.0.2.10"));
  private final List<AutoCloseable> open = new ArrayList<>();
  private DnsServer upstream;

  private static ZoneSnapshot upstreamZone(String wwwAddress) {
    ZoneSnapshot.Builder b =
        ZoneSnapshot.builder(name("example.test."), 1)
            .defaultTtl(300)
            .address(name("www.example.test."), ip(wwwAddress));
    for (int i = 1; i <= 100; i++) {
      b.address(name("big.example.test."), ip("192.0.2." + i));
    }
    return b.build();
  }

  @BeforeEach
  void startUpstream() throws InterruptedException {
    upstream = DnsServer.start(new InetSocketAddress(LOOPBACK, 0), upstreamZone::get);
    open.add(upstream);
  }

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
  }

  private DnsServer forwardingServer(Forwarding forwarding) throws InterruptedException {
    DnsServer server =
        DnsServer.start(
            new InetSocketAddress(LOOPBACK, 0),
            TestZone::snapshot,
            DnsServerOptions.defaults().withForwarding(forwarding));
    open.add(server);
    return server;
  }

  private Forwarding toUpstream(String... clients) {
    return Forwarding.to(
        List.of(new InetSocketAddress(LOOPBACK, upstream.port())), ClientNetworks.of(clients));
  }

  private static Message ask(DnsServer server, String name, boolean tcp) throws IOException {
    SimpleResolver resolver = new SimpleResolver(new InetSocketAddress(LOOPBACK, server.port()));
    resolver.setTCP(tcp);
    resolver.setTimeout(Duration.ofSeconds(5));
    Message q = query(name, Type.A);
    q.getHeader().setFlag(Flags.RD);
    return resolver.send(q);
  }

  @Test
  void allowedClientsGetTheUpstreamAnswer() throws Exception {
    DnsServer server = forwardingServer(toUpstream("127.0.0.0/8"));
    for (boolean tcp : new boolean[] {false, true}) {
      Message reply = ask(server, "WWW.example.test.", tcp);
      assertEquals(Rcode.NOERROR, reply.getRcode());
      assertEquals(Set.of("192.0.2.10"), answers(reply));
      assertTrue(reply.getHeader().getFlag(Flags.RA));
      assertFalse(reply.getHeader().getFlag(Flags.AA), "not our data");
      assertEquals("WWW.example.test.", reply.getQuestion().getName().toString());
    }
  }

  @Test
  void ourOwnZoneIsStillAnsweredAuthoritatively() throws Exception {
    DnsServer server = forwardingServer(toUpstream("127.0.0.0/8"));
    Message reply = ask(server, "0.web.demo.default.berth.", false);
    assertTrue(reply.getHeader().getFlag(Flags.AA));
    assertEquals(Set.of("10.1.0.1"), answers(reply));
  }

  @Test
  void clientsOutsideTheAllowedNetworksAreRefused() throws Exception {
    DnsServer server = forwardingServer(toUpstream("10.0.0.0/8", "fd00::/8"));
    assertEquals(Rcode.REFUSED, ask(server, "www.example.test.", false).getRcode());
  }

  @Test
  void queriesWithoutRecursionDesiredAreNotForwarded() throws Exception {
    DnsServer server = forwardingServer(toUpstream("127.0.0.0/8"));
    SimpleResolver resolver = new SimpleResolver(new InetSocketAddress(LOOPBACK, server.port()));
    Message q = query("www.example.test.", Type.A);
    q.getHeader().unsetFlag(Flags.RD);
    assertEquals(Rcode.REFUSED, resolver.send(q).getRcode());
  }

  @Test
  void answersAreCachedWithinTheirTtl() throws Exception {
    DnsServer server = forwardingServer(toUpstream("127.0.0.0/8"));
    assertEquals(Set.of("192.0.2.10"), answers(ask(server, "www.example.test.", false)));
    upstreamZone.set(upstreamZone("192.0.2.99"));
    Message again = ask(server, "www.example.test.", false);
    assertEquals(Set.of("192.0.2.10"), answers(again), "served from the cache");
    assertTrue(again.getSection(Section.ANSWER).get(0).getTTL() <= 300);
  }

  @Test
  void withoutCacheEveryQueryGoesUpstream() throws Exception {
    DnsServer server = forwardingServer(toUpstream("127.0.0.0/8").withCache(0, Duration.ZERO));
    ask(server, "www.example.test.", false);
    upstreamZone.set(upstreamZone("192.0.2.99"));
    assertEquals(Set.of("192.0.2.99"), answers(ask(server, "www.example.test.", false)));
  }

  @Test
  void truncatedUpstreamReplyIsRetriedOverTcp() throws Exception {
    DnsServer server = forwardingServer(toUpstream("127.0.0.0/8"));
    Message reply = ask(server, "big.example.test.", true);
    assertFalse(reply.getHeader().getFlag(Flags.TC));
    assertEquals(100, answers(reply).size());
  }

  @Test
  void silentUpstreamGivesServFailAfterTheTimeout() throws Exception {
    DatagramSocket silent = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0));
    open.add(silent);
    Forwarding forwarding =
        Forwarding.to(
                List.of(new InetSocketAddress(LOOPBACK, silent.getLocalPort())),
                ClientNetworks.of("127.0.0.1"))
            .withTimeout(Duration.ofMillis(300));
    DnsServer server = forwardingServer(forwarding);
    long started = System.nanoTime();
    Message reply = ask(server, "www.example.test.", false);
    assertEquals(Rcode.SERVFAIL, reply.getRcode());
    assertTrue(System.nanoTime() - started < Duration.ofSeconds(4).toNanos());
  }

  @Test
  void forwardingToItselfIsRefusedAtStart() throws Exception {
    int port = upstream.port(); // a port known to be free once the upstream lets go of it
    upstream.close();
    open.remove(upstream);
    Forwarding loop =
        Forwarding.to(List.of(new InetSocketAddress(LOOPBACK, port)), ClientNetworks.of("127.0.0.1"));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                DnsServer.start(
                    new InetSocketAddress(LOOPBACK, port),
                    TestZone::snapshot,
                    DnsServerOptions.defaults().withForwarding(loop)));
    assertTrue(e.getMessage().contains("is this DNS server"), e.getMessage());
  }

  @Test
  void resolvConfNameserversBecomeUpstreams() throws IOException {
    java.nio.file.Path conf = java.nio.file.Files.createTempFile("resolv", ".conf");
    try {
      java.nio.file.Files.writeString(
          conf, "# comment\nsearch example\nnameserver 192.0.2.53\nnameserver fe80::1%eth0\n");
      Forwarding f = Forwarding.fromResolvConf(conf, ClientNetworks.none());
      assertEquals(
          List.of(new InetSocketAddress(ip("192.0.2.53"), 53), new InetSocketAddress(ip("fe80::1"), 53)),
          f.upstreams());
    } finally {
      java.nio.file.Files.delete(conf);
    }
  }
}
