package io.berth.dns;

import static io.berth.dns.TestZone.name;
import static io.berth.dns.TestZone.query;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
