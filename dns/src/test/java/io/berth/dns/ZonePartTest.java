package io.berth.dns;

import static io.berth.dns.TestZone.ip;
import static io.berth.dns.TestZone.name;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** A zone part answers, byte for byte, as the same records given to the snapshot directly. */
class ZonePartTest {
  private static final Name JOB = name("demo.default.berth.");
  private static final SRVRecord SRV = new SRVRecord(
      name("_http._tcp.web.demo.default.berth."), DClass.IN, 5, 0, 0, 8080, name("0.web.demo.default.berth."));

  private final Responder responder = new Responder();

  /** What ClusterZone gives per job: task names, the group's addresses, an SRV per task port. */
  private static final List<Record> JOB_RECORDS = List.of(
      new ARecord(name("0.web.demo.default.berth."), DClass.IN, 5, ip("10.1.0.1")),
      new ARecord(name("1.web.demo.default.berth."), DClass.IN, 5, ip("10.1.0.2")),
      new ARecord(name("web.demo.default.berth."), DClass.IN, 5, ip("10.1.0.1")),
      new ARecord(name("web.demo.default.berth."), DClass.IN, 5, ip("10.1.0.2")),
      SRV);

  private static ZonePart jobPart() {
    ZonePart.Builder b = ZonePart.builder(JOB).address(name("2.web.demo.default.berth."), ip("10.1.0.3"), 5);
    JOB_RECORDS.forEach(b::record);
    return b.build();
  }

  private static ZoneSnapshot.Builder base(long serial) {
    return ZoneSnapshot.builder(name("berth."), serial)
        .nameserver(name("ns1.berth."), ip("10.0.0.1"))
        .address(name("h1.node.berth."), ip("10.1.0.1"));
  }

  @Test
  void aPartAnswersByteForByteAsTheSameRecordsGivenDirectly() {
    ZoneSnapshot.Builder given = base(7).address(name("2.web.demo.default.berth."), ip("10.1.0.3"), 5);
    JOB_RECORDS.forEach(given::record);
    ZoneSnapshot direct = given.build();
    ZoneSnapshot withPart = base(7).part(jobPart()).build();
    List<String> questions = List.of(
        "0.web.demo.default.berth. A", "1.web.demo.default.berth. A", "2.web.demo.default.berth. A",
        "web.demo.default.berth. A",
        "_http._tcp.web.demo.default.berth. SRV", // the target's address in the additional section
        "web.demo.default.berth. AAAA", // NODATA
        "_tcp.web.demo.default.berth. A", // an empty non-terminal inside the part
        "demo.default.berth. A", "default.berth. A", // the part's apex and above it exist
        "9.web.demo.default.berth. A", // NXDOMAIN
        "h1.node.berth. A", "berth. NS");
    for (String q : questions) {
      String[] nameAndType = q.split(" ");
      byte[] query = query(nameAndType[0], Type.value(nameAndType[1]));
      for (Transport transport : Transport.values()) {
        assertArrayEquals(responder.respond(query, transport, direct), responder.respond(query, transport, withPart),
            q + " over " + transport);
      }
    }
    assertEquals(Rcode.NOERROR, ask(withPart, "demo.default.berth.", Type.A).getRcode());
    assertEquals(Rcode.NXDOMAIN, ask(withPart, "9.web.demo.default.berth.", Type.A).getRcode());
    Message srv = ask(withPart, "_http._tcp.web.demo.default.berth.", Type.SRV);
    assertEquals("10.1.0.1", srv.getSection(Section.ADDITIONAL).get(0).rdataToString());
  }

  @Test
  void aJobSplitIntoAGroupsPartWithGlueAndATasksPartAnswersAsOnePart() {
    // ClusterZone's split: the group and service names with the SRV targets' addresses as glue,
    // then the task names in a part below the group, which a later snapshot may keep alone.
    ZonePart groups = ZonePart.builder(JOB)
        .address(name("web.demo.default.berth."), ip("10.1.0.1"), 5)
        .address(name("web.demo.default.berth."), ip("10.1.0.2"), 5)
        .record(SRV).glue(name("0.web.demo.default.berth."), ip("10.1.0.1"), 5).build();
    ZonePart tasks = ZonePart.builder(name("web.demo.default.berth."))
        .address(name("0.web.demo.default.berth."), ip("10.1.0.1"), 5)
        .address(name("1.web.demo.default.berth."), ip("10.1.0.2"), 5)
        .address(name("2.web.demo.default.berth."), ip("10.1.0.3"), 5).build();
    ZoneSnapshot whole = base(7).part(jobPart()).build();
    ZoneSnapshot split = base(7).part(groups).part(tasks).build();
    for (String q : List.of("0.web.demo.default.berth. A", "2.web.demo.default.berth. A", "web.demo.default.berth. A",
        "_http._tcp.web.demo.default.berth. SRV", "_tcp.web.demo.default.berth. A", "demo.default.berth. A",
        "9.web.demo.default.berth. A", "web.demo.default.berth. TXT")) {
      String[] nameAndType = q.split(" ");
      byte[] query = query(nameAndType[0], Type.value(nameAndType[1]));
      for (Transport transport : Transport.values()) {
        assertArrayEquals(responder.respond(query, transport, whole), responder.respond(query, transport, split),
            q + " over " + transport);
      }
    }
    assertEquals(Rcode.NXDOMAIN, ask(base(7).part(groups).build(), "0.web.demo.default.berth.", Type.A).getRcode(),
        "glue is no answer of its own");
  }

  @Test
  void aPartKeptIntoALaterSnapshotGivesThatSnapshotsSerialInItsNegativeAnswers() {
    ZonePart part = jobPart();
    base(7).part(part).build();
    ZoneSnapshot later = base(8).part(part).build();
    for (String name : List.of("web.demo.default.berth.", "_tcp.web.demo.default.berth.", "demo.default.berth.")) {
      Message noData = ask(later, name, Type.TXT);
      assertEquals(Rcode.NOERROR, noData.getRcode(), name);
      assertEquals(8, ((SOARecord) noData.getSection(Section.AUTHORITY).get(0)).getSerial(), name);
    }
    assertEquals(8, ((SOARecord) ask(later, "9.web.demo.default.berth.", Type.A)
        .getSection(Section.AUTHORITY).get(0)).getSerial());
  }

  @Test
  void aNameGivenDirectlyWinsOverTheSameNameInAPart() {
    ZoneSnapshot zone = base(7).address(name("web.demo.default.berth."), ip("10.9.9.9"), 5).part(jobPart()).build();
    List<Record> a = ask(zone, "web.demo.default.berth.", Type.A).getSection(Section.ANSWER);
    assertEquals(List.of("10.9.9.9"), a.stream().map(Record::rdataToString).toList());
    assertEquals(Rcode.NOERROR, ask(zone, "0.web.demo.default.berth.", Type.A).getRcode(), "the rest of the part stays");
  }

  @Test
  void aPartTakesOnlyNamesBelowItsApexAndLiesInTheZone() {
    assertThrows(IllegalArgumentException.class,
        () -> ZonePart.builder(JOB).address(JOB, ip("10.1.0.1"), 5), "the apex itself");
    assertThrows(IllegalArgumentException.class,
        () -> ZonePart.builder(JOB).address(name("web.other.default.berth."), ip("10.1.0.1"), 5));
    assertThrows(IllegalArgumentException.class,
        () -> ZonePart.builder(JOB).address(name("0.web.demo.default.berth."), ip("10.1.0.1"), -1));
    ZonePart elsewhere = ZonePart.builder(name("demo.example.")).build();
    assertThrows(IllegalArgumentException.class, () -> base(7).part(elsewhere));
  }

  private Message ask(ZoneSnapshot zone, String name, int type) {
    return responder.answer(Message.newQuery(Record.newRecord(name(name), type, DClass.IN)), zone);
  }

  private static byte[] query(String name, int type) {
    Message q = Message.newQuery(Record.newRecord(name(name), type, DClass.IN));
    q.getHeader().setID(4242);
    return q.toWire();
  }
}
