package io.berth.dns;

import static io.berth.dns.TestZone.name;
import static io.berth.dns.TestZone.query;
import static io.berth.dns.TestZone.rdata;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.GenericEDNSOption;
import org.xbill.DNS.Message;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

class ResponderTest {
  private final Responder responder = new Responder();
  private final ZoneSnapshot zone = TestZone.snapshot();

  private Message ask(String name, int type) {
    return responder.answer(query(name, type), zone);
  }

  @Test
  void addressOfATaskIsAnAuthoritativeAnswer() {
    Message reply = ask("0.web.demo.default.berth.", Type.A);
    assertEquals(Rcode.NOERROR, reply.getRcode());
    assertTrue(reply.getHeader().getFlag(Flags.AA));
    assertTrue(reply.getHeader().getFlag(Flags.QR));
    assertEquals(Set.of("10.1.0.1"), rdata(reply, Section.ANSWER));
    assertEquals(5, reply.getSection(Section.ANSWER).get(0).getTTL());
  }

  @Test
  void groupNameAnswersEveryTask() {
    assertEquals(
        Set.of("10.1.0.1", "10.1.0.2"),
        rdata(ask("web.demo.default.berth.", Type.A), Section.ANSWER));
  }

  @Test
  void aaaaWithItsOwnTtl() {
    Message reply = ask("h1.node.berth.", Type.AAAA);
    assertEquals(Set.of("fd00:0:0:0:0:0:0:1"), rdata(reply, Section.ANSWER));
    assertEquals(30, reply.getSection(Section.ANSWER).get(0).getTTL());
  }

  @Test
  void existingNameWithoutThatTypeIsNoDataWithSoa() {
    Message reply = ask("0.web.demo.default.berth.", Type.AAAA);
    assertEquals(Rcode.NOERROR, reply.getRcode());
    assertTrue(reply.getHeader().getFlag(Flags.AA));
    assertTrue(reply.getSection(Section.ANSWER).isEmpty());
    assertNegativeSoa(reply);
  }

  @Test
  void unknownNameInZoneIsNxDomainWithSoa() {
    Message reply = ask("2.web.demo.default.berth.", Type.A);
    assertEquals(Rcode.NXDOMAIN, reply.getRcode());
    assertTrue(reply.getHeader().getFlag(Flags.AA));
    assertNegativeSoa(reply);
  }

  @Test
  void nameBelowALeafIsNxDomain() {
    assertEquals(Rcode.NXDOMAIN, ask("x.0.web.demo.default.berth.", Type.A).getRcode());
  }

  @Test
  void emptyNonTerminalsAreNoDataNotNxDomain() {
    for (String ent : List.of("demo.default.berth.", "default.berth.", "node.berth.")) {
      Message reply = ask(ent, Type.A);
      assertEquals(Rcode.NOERROR, reply.getRcode(), ent);
      assertTrue(reply.getSection(Section.ANSWER).isEmpty(), ent);
      assertNegativeSoa(reply);
    }
    assertEquals(Rcode.NOERROR, ask("_tcp.web.demo.default.berth.", Type.SRV).getRcode());
  }

  @Test
  void negativeTtlIsTheSmallerOfSoaTtlAndMinimum() {
    ZoneSnapshot longNegative = TestZone.builder().defaultTtl(5).negativeTtl(60).build();
    ZoneSnapshot shortNegative = TestZone.builder().defaultTtl(300).negativeTtl(7).build();
    Message a = responder.answer(query("nope.berth.", Type.A), longNegative);
    Message b = responder.answer(query("nope.berth.", Type.A), shortNegative);
    assertEquals(60, a.getSection(Section.AUTHORITY).get(0).getTTL());
    assertEquals(7, b.getSection(Section.AUTHORITY).get(0).getTTL());
  }

  @Test
  void soaAtTheApex() {
    Message reply = ask("berth.", Type.SOA);
    SOARecord soa = (SOARecord) reply.getSection(Section.ANSWER).get(0);
    assertEquals(name("ns1.berth."), soa.getHost());
    assertEquals(name("hostmaster.berth."), soa.getAdmin());
    assertEquals(42, soa.getSerial());
    assertEquals(5, soa.getMinimum());
    assertTrue(reply.getHeader().getFlag(Flags.AA));
  }

  @Test
  void nsAtTheApexCarriesGlue() {
    Message reply = ask("berth.", Type.NS);
    assertEquals(
        name("ns1.berth."), ((NSRecord) reply.getSection(Section.ANSWER).get(0)).getTarget());
    List<Record> glue = reply.getSection(Section.ADDITIONAL);
    assertEquals(1, glue.size());
    assertEquals(name("ns1.berth."), glue.get(0).getName());
    assertEquals("10.0.0.1", glue.get(0).rdataToString());
  }

  @Test
  void srvCarriesTargetAddresses() {
    Message reply = ask("_http._tcp.web.demo.default.berth.", Type.SRV);
    assertEquals(1, reply.getSection(Section.ANSWER).size());
    List<Record> extra = reply.getSection(Section.ADDITIONAL);
    assertEquals(1, extra.size());
    assertEquals(name("0.web.demo.default.berth."), extra.get(0).getName());
    assertEquals("10.1.0.1", extra.get(0).rdataToString());
  }

  @Test
  void reverseNameOfAHandedOutAddressIsOurs() {
    Message reply = ask("1.0.1.10.in-addr.arpa.", Type.PTR);
    assertTrue(reply.getHeader().getFlag(Flags.AA));
    PTRRecord ptr = (PTRRecord) reply.getSection(Section.ANSWER).get(0);
    assertEquals(name("0.web.demo.default.berth."), ptr.getTarget());
    Message other = ask("2.0.1.10.in-addr.arpa.", Type.PTR);
    assertEquals(Rcode.REFUSED, other.getRcode(), "addresses we did not hand out are not ours");
  }

  @Test
  void matchIsCaseInsensitiveAndQuestionCaseIsEchoed() throws IOException {
    byte[] wire =
        responder.respond(
            query("0.WEB.Demo.default.BERTH.", Type.A).toWire(), Transport.UDP, zone);
    Message reply = new Message(wire);
    assertEquals(Rcode.NOERROR, reply.getRcode());
    assertEquals(Set.of("10.1.0.1"), rdata(reply, Section.ANSWER));
    assertEquals("0.WEB.Demo.default.BERTH.", reply.getQuestion().getName().toString());
  }

  @Test
  void namesOutsideEveryZoneAreRefusedWithoutAuthority() {
    Message reply = ask("example.com.", Type.A);
    assertEquals(Rcode.REFUSED, reply.getRcode());
    assertFalse(reply.getHeader().getFlag(Flags.AA));
    assertTrue(reply.getSection(Section.ANSWER).isEmpty());
    assertFalse(zone.serves(name("example.com.")));
    assertTrue(zone.serves(name("anything.berth.")));
  }

  @Test
  void replyEchoesIdQuestionAndRecursionDesired() {
    Message q = query("web.demo.default.berth.", Type.A);
    q.getHeader().setFlag(Flags.RD);
    Message reply = responder.answer(q, zone);
    assertEquals(q.getHeader().getID(), reply.getHeader().getID());
    assertEquals(q.getQuestion(), reply.getQuestion());
    assertTrue(reply.getHeader().getFlag(Flags.RD));
    assertFalse(reply.getHeader().getFlag(Flags.RA), "we do not recurse for anyone");
  }

  @Test
  void responsesAreNeverAnswered() {
    Message q = query("web.demo.default.berth.", Type.A);
    q.getHeader().setFlag(Flags.QR);
    assertNull(responder.answer(q, zone));
    assertNull(responder.respond(q.toWire(), Transport.UDP, zone));
  }

  @Test
  void otherOpcodesAreNotImplemented() {
    Message q = query("berth.", Type.SOA);
    q.getHeader().setOpcode(Opcode.STATUS);
    assertEquals(Rcode.NOTIMP, responder.answer(q, zone).getRcode());
  }

  @Test
  void garbageWithAHeaderGetsFormErrAndWithoutIsDropped() throws IOException {
    byte[] packet = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 63, 'a'};
    Message reply = new Message(responder.respond(packet, Transport.UDP, zone));
    assertEquals(0x1234, reply.getHeader().getID());
    assertEquals(Rcode.FORMERR, reply.getRcode());
    assertTrue(reply.getHeader().getFlag(Flags.RD));
    assertNull(responder.respond(new byte[] {1, 2, 3}, Transport.UDP, zone));
  }

  @Test
  void twoQuestionsAreFormErr() {
    Message q = query("berth.", Type.SOA);
    q.addRecord(Record.newRecord(name("berth."), Type.NS, DClass.IN), Section.QUESTION);
    assertEquals(Rcode.FORMERR, responder.answer(q, zone).getRcode());
  }

  @Test
  void ednsOptIsEchoedWithOurPayload() {
    Message q = query("web.demo.default.berth.", Type.A);
    q.addRecord(new OPTRecord(4096, 0, 0), Section.ADDITIONAL);
    OPTRecord opt = responder.answer(q, zone).getOPT();
    assertNotNull(opt);
    assertEquals(Responder.MAX_UDP_PAYLOAD, opt.getPayloadSize());
    assertEquals(0, opt.getVersion());
  }

  @Test
  void unknownEdnsVersionIsBadVers() {
    Message q = query("web.demo.default.berth.", Type.A);
    q.addRecord(new OPTRecord(4096, 0, 1), Section.ADDITIONAL);
    Message reply = responder.answer(q, zone);
    assertEquals(Rcode.BADVERS, reply.getRcode());
    assertTrue(reply.getSection(Section.ANSWER).isEmpty());
  }

  @Test
  void anyGetsOneRRsetOnly() {
    Message reply = ask("berth.", Type.ANY);
    assertEquals(Rcode.NOERROR, reply.getRcode());
    assertEquals(
        1,
        reply.getSection(Section.ANSWER).stream().map(Record::getType).distinct().count(),
        "RFC 8482: a minimal answer");
  }

  @Test
  void bigAnswersAreTruncatedOverUdpAndWholeOverTcp() throws IOException {
    ZoneSnapshot.Builder b = ZoneSnapshot.builder(name("berth."), 1);
    Name big = name("big.berth.");
    for (int i = 1; i <= 100; i++) {
      b.address(big, TestZone.ip("10.9.0." + i));
    }
    ZoneSnapshot wide = b.build();
    byte[] q = query("big.berth.", Type.A).toWire();
    byte[] udp = responder.respond(q, Transport.UDP, wide);
    Message overUdp = new Message(udp);
    assertTrue(udp.length <= 512);
    assertTrue(overUdp.getHeader().getFlag(Flags.TC));
    Message overTcp = new Message(responder.respond(q, Transport.TCP, wide));
    assertFalse(overTcp.getHeader().getFlag(Flags.TC));
    assertEquals(100, overTcp.getSection(Section.ANSWER).size());
  }

  @Test
  void ednsPayloadRaisesTheUdpLimitUpToOurs() {
    Message q = query("x.berth.", Type.A);
    assertEquals(512, Responder.replyLimit(q, Transport.UDP));
    q.addRecord(new OPTRecord(4096, 0, 0), Section.ADDITIONAL);
    assertEquals(Responder.MAX_UDP_PAYLOAD, Responder.replyLimit(q, Transport.UDP));
    assertEquals(65_535, Responder.replyLimit(q, Transport.TCP));
  }

  @Test
  void unknownEdnsOptionsAreIgnored() {
    Message q = query("web.demo.default.berth.", Type.A);
    q.addRecord(
        new OPTRecord(1232, 0, 0, 0, new GenericEDNSOption(65_001, new byte[] {1, 2})),
        Section.ADDITIONAL);
    Message reply = responder.answer(q, zone);
    assertEquals(Rcode.NOERROR, reply.getRcode());
    assertEquals(2, reply.getSection(Section.ANSWER).size());
    assertTrue(reply.getOPT().getOptions().isEmpty(), "options we do not know are not echoed");
  }

  @Test
  void ednsPayloadSizeIsHonouredOnTheWire() throws IOException {
    ZoneSnapshot.Builder b = ZoneSnapshot.builder(name("berth."), 1);
    for (int i = 1; i <= 60; i++) {
      b.address(name("sixty.berth."), TestZone.ip("10.9.0." + i));
    }
    ZoneSnapshot wide = b.build();
    Message plain = query("sixty.berth.", Type.A);
    assertTrue(new Message(responder.respond(plain.toWire(), Transport.UDP, wide))
        .getHeader().getFlag(Flags.TC), "about 1 KB does not fit in 512 bytes");
    for (int payload : new int[] {600, 4096}) {
      Message q = query("sixty.berth.", Type.A);
      q.addRecord(new OPTRecord(payload, 0, 0), Section.ADDITIONAL);
      byte[] wire = responder.respond(q.toWire(), Transport.UDP, wide);
      Message reply = new Message(wire);
      assertTrue(wire.length <= Math.min(payload, Responder.MAX_UDP_PAYLOAD));
      assertEquals(payload < 1000, reply.getHeader().getFlag(Flags.TC), "payload " + payload);
      assertNotNull(reply.getOPT(), "OPT survives truncation");
    }
  }

  @Test
  void ownerNamesAreCompressedAgainstTheQuestion() {
    byte[] wire =
        responder.respond(
            query("web.demo.default.berth.", Type.A).toWire(), Transport.UDP, zone);
    byte[] qname = name("web.demo.default.berth.").toWire();
    assertEquals(1, occurrences(wire, qname), "the name is written once, then pointed at");
    // header 12 + question (qname + 4) + 2 answers of pointer 2 + fixed 10 + IPv4 4
    assertEquals(12 + qname.length + 4 + 2 * 16, wire.length);
  }

  private static int occurrences(byte[] haystack, byte[] needle) {
    int count = 0;
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
        count++;
      }
    }
    return count;
  }

  @Test
  void answersComeFromTheSnapshotGiven() {
    ZoneSnapshot moved =
        ZoneSnapshot.builder(name("berth."), 43)
            .address(name("0.web.demo.default.berth."), TestZone.ip("10.1.0.9"))
            .build();
    Message reply = responder.answer(query("0.web.demo.default.berth.", Type.A), moved);
    assertArrayEquals(
        TestZone.ip("10.1.0.9").getAddress(),
        ((ARecord) reply.getSection(Section.ANSWER).get(0)).getAddress().getAddress());
  }

  private static void assertNegativeSoa(Message reply) {
    List<Record> authority = reply.getSection(Section.AUTHORITY);
    assertEquals(1, authority.size());
    SOARecord soa = (SOARecord) authority.get(0);
    assertEquals(name("berth."), soa.getName());
    assertEquals(Math.min(soa.getTTL(), soa.getMinimum()), soa.getTTL());
  }
}
