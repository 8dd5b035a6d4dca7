package io.berth.dns;

import static io.berth.dns.TestZone.name;
import static io.berth.dns.TestZone.query;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Flags;
import org.xbill.DNS.GenericEDNSOption;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** The byte-level path must say exactly what the dnsjava path says, wherever it answers. */
class WireResponderTest {
  private static final List<String> NAMES =
      List.of(
          "berth.", "BERTH.", "ns1.berth.", "0.web.demo.default.berth.", "0.WEB.Demo.default.berth.",
          "web.demo.default.berth.", "demo.default.berth.", "_http._tcp.web.demo.default.berth.",
          "_tcp.web.demo.default.berth.", "h1.node.berth.", "node.berth.", "nope.berth.",
          "x.0.web.demo.default.berth.", "1.0.1.10.in-addr.arpa.", "2.0.1.10.in-addr.arpa.",
          "example.com.", "arpa.", "com.", ".");
  private static final int[] TYPES = {
    Type.A, Type.AAAA, Type.SRV, Type.PTR, Type.NS, Type.SOA, Type.TXT, Type.MX, Type.ANY, Type.CNAME
  };

  private final ZoneSnapshot zone = TestZone.snapshot();
  private final Responder responder = new Responder();

  @Test
  void agreesWithTheFullPathOnEveryQueryItAnswers() throws IOException {
    int answered = 0;
    int compared = 0;
    for (String name : NAMES) {
      for (int type : TYPES) {
        for (Message q : variants(name, type)) {
          byte[] wire = q.toWire();
          for (Transport transport : Transport.values()) {
            byte[] quick = WireResponder.tryRespond(wire, transport, zone, false);
            compared++;
            if (quick != null) {
              answered++;
              assertSame(slow(wire, transport), quick, name + " " + Type.string(type));
            }
          }
        }
      }
    }
    assertTrue(answered > compared * 3 / 4, answered + " of " + compared + " took the fast path");
  }

  @Test
  void agreesOnMutatedPacketsToo() throws IOException {
    PacketMutator mutator = new PacketMutator(3);
    for (int i = 0; i < 20_000; i++) {
      byte[] packet = mutator.next();
      byte[] quick = WireResponder.tryRespond(packet, Transport.UDP, zone, false);
      if (quick != null) {
        assertSame(slow(packet, Transport.UDP), quick, "packet " + i);
      }
    }
  }

  @Test
  void commonQueriesTakeTheFastPath() {
    assertNotNull(fast(query("0.web.demo.default.berth.", Type.A)));
    assertNotNull(fast(query("nope.berth.", Type.A)));
    assertNotNull(fast(query("demo.default.berth.", Type.A)));
    assertNotNull(fast(query("example.com.", Type.A)));
  }

  @Test
  void declinesWhatItDoesNotHandle() {
    Message badvers = query("berth.", Type.SOA);
    badvers.addRecord(new OPTRecord(1232, 0, 1), Section.ADDITIONAL);
    assertNull(fast(badvers));
    Message response = query("berth.", Type.SOA);
    response.getHeader().setFlag(Flags.QR);
    assertNull(fast(response));
    assertNull(fast(query("berth.", Type.AXFR)));
    byte[] outside = query("example.com.", Type.A).toWire();
    assertNull(WireResponder.tryRespond(outside, Transport.UDP, zone, true), "the forwarder's");
    byte[] pointer = {1, 2, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, (byte) 0xC0, 12, 0, 1, 0, 1};
    assertNull(WireResponder.tryRespond(pointer, Transport.UDP, zone, false));
  }

  @Test
  void answersFromAReusedArrayIntoABufferAlreadyHoldingBytes() throws IOException {
    // The UDP handler reuses one query array (stale bytes of a longer query after the end) and
    // writes into a pooled buffer: the reply must be exactly the one a fresh array gets.
    byte[] reused = new byte[2048];
    java.util.Arrays.fill(reused, (byte) 0x5A);
    for (String name : NAMES) {
      for (Message q : variants(name, Type.A)) {
        byte[] wire = q.toWire();
        System.arraycopy(wire, 0, reused, 0, wire.length);
        ByteBuf out = Unpooled.buffer(16).writeBytes(new byte[] {9, 9, 9});
        boolean answered =
            WireResponder.tryRespond(reused, wire.length, Transport.UDP, zone, false, out);
        byte[] fresh = WireResponder.tryRespond(wire, Transport.UDP, zone, false);
        assertEquals(fresh != null, answered, name);
        byte[] written = ByteBufUtil.getBytes(out, 3, out.readableBytes() - 3);
        assertArrayEquals(fresh == null ? new byte[0] : fresh, written, name);
        assertEquals(9, out.getByte(2), "what the buffer held stays");
        if (fresh != null) {
          assertSame(slow(wire, Transport.UDP), written, name);
        }
      }
    }
  }

  @Test
  void aDeclineWritesNothing() {
    byte[] axfr = query("berth.", Type.AXFR).toWire();
    ByteBuf out = Unpooled.buffer(16);
    assertFalse(WireResponder.tryRespond(axfr, axfr.length, Transport.UDP, zone, false, out));
    // Too big for a datagram: the full path truncates (TC) by whole RRsets instead.
    ZoneSnapshot.Builder b = ZoneSnapshot.builder(name("berth."), 2);
    for (int i = 1; i <= 100; i++) {
      b.address(name("big.berth."), TestZone.ip("10.9.0." + i));
    }
    ZoneSnapshot bigZone = b.build();
    byte[] big = query("big.berth.", Type.A).toWire();
    assertFalse(WireResponder.tryRespond(big, big.length, Transport.UDP, bigZone, false, out));
    assertNotNull(WireResponder.tryRespond(big, Transport.TCP, bigZone, false), "TCP takes all");
    assertEquals(0, out.writerIndex());
  }

  private byte[] fast(Message q) {
    return WireResponder.tryRespond(q.toWire(), Transport.UDP, zone, false);
  }

  private Message slow(byte[] wire, Transport transport) throws IOException {
    Message parsed = new Message(wire);
    return new Message(Responder.render(responder.answer(parsed, zone), parsed, transport));
  }

  private static List<Message> variants(String name, int type) {
    Message plain = query(name, type);
    Message noRecursion = query(name, type);
    noRecursion.getHeader().unsetFlag(Flags.RD);
    noRecursion.getHeader().setFlag(Flags.CD);
    Message edns = query(name, type);
    edns.addRecord(new OPTRecord(4096, 0, 0), Section.ADDITIONAL);
    Message smallEdns = query(name, type);
    smallEdns.addRecord(new OPTRecord(100, 0, 0), Section.ADDITIONAL);
    Message cookie = query(name, type);
    cookie.addRecord(
        new OPTRecord(1232, 0, 0, 0, new GenericEDNSOption(10, new byte[8])), Section.ADDITIONAL);
    return List.of(plain, noRecursion, edns, smallEdns, cookie);
  }

  private static void assertSame(Message expected, byte[] actualWire, String what)
      throws IOException {
    Message actual = new Message(actualWire);
    assertEquals(expected.getHeader().toString(), actual.getHeader().toString(), what);
    for (int section = Section.QUESTION; section <= Section.ADDITIONAL; section++) {
      // Names compare without case; dnsjava's compression may lend an SOA the question's case.
      assertEquals(
          expected.sectionToString(section).toLowerCase(Locale.ROOT),
          actual.sectionToString(section).toLowerCase(Locale.ROOT),
          what);
    }
    // The question, though, is echoed byte for byte.
    assertEquals(
        expected.getQuestion().getName().toString(), actual.getQuestion().getName().toString());
  }
}
