package io.berth.dns;

import static io.berth.dns.TestZone.name;
import static io.berth.dns.TestZone.answers;
import static io.berth.dns.TestZone.query;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/** The server over real loopback sockets, asked by dnsjava's resolver and by raw packets. */
class DnsServerTest {
  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
  private final AtomicReference<ZoneSnapshot> snapshot = new AtomicReference<>(TestZone.snapshot());
  private DnsServer server;

  @BeforeEach
  void start() throws InterruptedException {
    server = DnsServer.start(new InetSocketAddress(LOOPBACK, 0), snapshot::get);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private SimpleResolver resolver(boolean tcp) {
    SimpleResolver resolver = new SimpleResolver(new InetSocketAddress(LOOPBACK, server.port()));
    resolver.setTCP(tcp);
    resolver.setTimeout(Duration.ofSeconds(5));
    return resolver;
  }

  @Test
  void answersOverUdpAndTcpOnTheSamePort() throws IOException {
    assertTrue(server.port() > 0);
    for (boolean tcp : new boolean[] {false, true}) {
      Message reply = resolver(tcp).send(query("web.demo.default.berth.", Type.A));
      assertEquals(Rcode.NOERROR, reply.getRcode(), "tcp=" + tcp);
      assertTrue(reply.getHeader().getFlag(Flags.AA), "tcp=" + tcp);
      assertEquals(Set.of("10.1.0.1", "10.1.0.2"), answers(reply), "tcp=" + tcp);
    }
  }

  @Test
  void negativeAnswersOverTheWire() throws IOException {
    Message nx = resolver(false).send(query("nope.berth.", Type.A));
    assertEquals(Rcode.NXDOMAIN, nx.getRcode());
    assertEquals(Type.SOA, nx.getSection(Section.AUTHORITY).get(0).getType());
    Message refused = resolver(true).send(query("example.com.", Type.A));
    assertEquals(Rcode.REFUSED, refused.getRcode());
  }

  @Test
  void eachQueryReadsTheViewsCurrentSnapshot() throws IOException {
    snapshot.set(
        ZoneSnapshot.builder(name("berth."), 43)
            .address(name("0.web.demo.default.berth."), TestZone.ip("10.1.0.99"))
            .build());
    Message reply = resolver(false).send(query("0.web.demo.default.berth.", Type.A));
    assertEquals(Set.of("10.1.0.99"), answers(reply));
  }

  @Test
  void truncatedOverUdpThenWholeOverTcp() throws IOException {
    ZoneSnapshot.Builder b = ZoneSnapshot.builder(name("berth."), 2);
    for (int i = 1; i <= 100; i++) {
      b.address(name("big.berth."), TestZone.ip("10.9.0." + i));
    }
    snapshot.set(b.build());
    Message udp = new Message(udpExchange(query("big.berth.", Type.A).toWire()));
    assertTrue(udp.getHeader().getFlag(Flags.TC));
    // The resolver retries over TCP on TC, as real clients do.
    assertEquals(100, answers(resolver(false).send(query("big.berth.", Type.A))).size());
  }

  @Test
  void malformedPacketsGetFormErrOrAreDroppedAndTheServerGoesOn() throws IOException {
    try (DatagramSocket socket = new DatagramSocket()) {
      socket.send(packet(new byte[] {1, 2, 3}));
      socket.send(packet(new byte[0]));
    }
    byte[] badLabel = {0x55, 0x66, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 60, 'x'};
    Message formErr = new Message(udpExchange(badLabel));
    assertEquals(0x5566, formErr.getHeader().getID());
    assertEquals(Rcode.FORMERR, formErr.getRcode());
    assertEquals(Rcode.NOERROR, resolver(false).send(query("berth.", Type.SOA)).getRcode());
  }

  @Test
  void pipelinedTcpQueriesAreAllAnsweredInOrderOnOneConnection() throws IOException {
    try (Socket socket = new Socket(LOOPBACK, server.port())) {
      socket.setSoTimeout(5_000);
      DataOutputStream out = new DataOutputStream(socket.getOutputStream());
      DataInputStream in = new DataInputStream(socket.getInputStream());
      String[] names = {"0.web.demo.default.berth.", "nope.berth.", "1.web.demo.default.berth."};
      int[] ids = new int[names.length];
      for (int i = 0; i < names.length; i++) {
        Message q = query(names[i], Type.A);
        ids[i] = q.getHeader().getID();
        writeFrame(out, q.toWire());
      }
      writeFrame(out, new byte[] {9, 9, 9}); // garbage without a header: dropped, not fatal
      out.flush();
      for (int i = 0; i < names.length; i++) {
        Message reply = new Message(readFrame(in));
        assertEquals(ids[i], reply.getHeader().getID());
        assertEquals(name(names[i]), reply.getQuestion().getName());
      }
      Message after = query("berth.", Type.NS);
      writeFrame(out, after.toWire());
      out.flush();
      Message reply = new Message(readFrame(in));
      assertEquals(after.getHeader().getID(), reply.getHeader().getID());
      assertFalse(reply.getSection(Section.ANSWER).isEmpty());
    }
  }

  @Test
  void servesOnIpv6LoopbackToo() throws Exception {
    InetAddress v6 = InetAddress.getByName("::1");
    Assumptions.assumeTrue(
        java.net.NetworkInterface.getByInetAddress(v6) != null, "no ::1 on this machine");
    try (DnsServer six = DnsServer.start(new InetSocketAddress(v6, 0), snapshot::get)) {
      for (boolean tcp : new boolean[] {false, true}) {
        SimpleResolver resolver = new SimpleResolver(new InetSocketAddress(v6, six.port()));
        resolver.setTCP(tcp);
        resolver.setTimeout(Duration.ofSeconds(5));
        Message reply = resolver.send(query("h1.node.berth.", Type.AAAA));
        assertEquals(Set.of("fd00:0:0:0:0:0:0:1"), answers(reply), "tcp=" + tcp);
      }
    }
  }

  @Test
  void aTakenPortIsReportedWithTheAddress() {
    InetSocketAddress taken = new InetSocketAddress(LOOPBACK, server.port());
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> DnsServer.start(taken, snapshot::get));
    assertTrue(e.getMessage().contains(String.valueOf(server.port())), e.getMessage());
  }

  @Test
  void idleTcpConnectionsAreClosedByTheServer() throws Exception {
    try (DnsServer quick =
            DnsServer.start(
                new InetSocketAddress(LOOPBACK, 0),
                snapshot::get,
                DnsServerOptions.defaults().withTcpIdleTimeout(Duration.ofMillis(200)));
        Socket socket = new Socket(LOOPBACK, quick.port())) {
      socket.setSoTimeout(10_000); // a bound on the wait, not the condition
      DataOutputStream out = new DataOutputStream(socket.getOutputStream());
      writeFrame(out, query("berth.", Type.SOA).toWire());
      out.flush();
      DataInputStream in = new DataInputStream(socket.getInputStream());
      assertEquals(Rcode.NOERROR, new Message(readFrame(in)).getRcode());
      assertEquals(-1, in.read(), "the server closes the connection once it is idle");
    }
  }

  @Test
  void aBurstOfDatagramsLongerThanOneReadIsAllAnswered() throws IOException {
    // Sent without waiting, so they span several read bursts (recvmmsg takes up to 16), each
    // flushed at its end: fast-path and full-path replies mixed, each with its own ID and answer.
    int count = 16 * 3 + 5;
    Map<Integer, Integer> expected = new HashMap<>();
    try (DatagramSocket socket = new DatagramSocket()) {
      socket.setSoTimeout(5_000);
      socket.setReceiveBufferSize(1 << 20);
      for (int id = 0; id < count; id++) {
        Message q =
            switch (id % 4) {
              case 0 -> query("0.web.demo.default.berth.", Type.A); // precomputed answer
              case 1 -> query("a-much-longer-name-that-is-not-there.berth.", Type.A); // NXDOMAIN
              case 2 -> query("berth.", Type.AXFR); // the full path refuses it over UDP
              default -> query("web.demo.default.berth.", Type.A);
            };
        q.getHeader().setID(id);
        expected.put(id, id % 4);
        socket.send(packet(q.toWire()));
      }
      for (int i = 0; i < count; i++) {
        DatagramPacket reply = new DatagramPacket(new byte[65_535], 65_535);
        socket.receive(reply);
        Message m = new Message(java.util.Arrays.copyOf(reply.getData(), reply.getLength()));
        Integer kind = expected.remove(m.getHeader().getID());
        assertTrue(kind != null, "one reply per ID: " + m.getHeader().getID());
        int[] rcodes = {Rcode.NOERROR, Rcode.NXDOMAIN, Rcode.REFUSED, Rcode.NOERROR};
        int[] answerCounts = {1, 0, 0, 2};
        assertEquals(rcodes[kind], m.getRcode(), "ID " + m.getHeader().getID());
        assertEquals(answerCounts[kind], answers(m).size(), "ID " + m.getHeader().getID());
      }
    }
    assertTrue(expected.isEmpty(), "unanswered: " + expected.keySet());
  }

  @Test
  void severalUdpSocketsShareThePortAndAllAnswer() throws Exception {
    try (DnsServer wide =
        DnsServer.start(
            new InetSocketAddress(LOOPBACK, 0),
            snapshot::get,
            DnsServerOptions.defaults().withUdpSockets(4))) {
      // Distinct client ports hash to different sockets; every one must get its answer.
      for (int i = 0; i < 32; i++) {
        SimpleResolver resolver =
            new SimpleResolver(new InetSocketAddress(LOOPBACK, wide.port()));
        resolver.setTimeout(Duration.ofSeconds(5));
        Message reply = resolver.send(query(i + ".web.demo.default.berth.", Type.A));
        assertEquals(i < 2 ? Rcode.NOERROR : Rcode.NXDOMAIN, reply.getRcode(), "query " + i);
      }
    }
  }

  private DatagramPacket packet(byte[] payload) {
    return new DatagramPacket(payload, payload.length, LOOPBACK, server.port());
  }

  private byte[] udpExchange(byte[] query) throws IOException {
    try (DatagramSocket socket = new DatagramSocket()) {
      socket.setSoTimeout(5_000);
      socket.send(packet(query));
      DatagramPacket reply = new DatagramPacket(new byte[65_535], 65_535);
      socket.receive(reply);
      return java.util.Arrays.copyOf(reply.getData(), reply.getLength());
    }
  }

  static void writeFrame(DataOutputStream out, byte[] message) throws IOException {
    out.writeShort(message.length);
    out.write(message);
  }

  static byte[] readFrame(DataInputStream in) throws IOException {
    byte[] message = new byte[in.readUnsignedShort()];
    in.readFully(message);
    return message;
  }
}
