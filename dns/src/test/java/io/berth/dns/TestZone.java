package io.berth.dns;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Set;
import java.util.stream.Collectors;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;

/** The zone the tests share: a job "web" with two tasks, an SRV, a node, one reverse name. */
final class TestZone {
  static final Name ORIGIN = name("berth.");
  static final long SERIAL = 42;

  private TestZone() {}

  static ZoneSnapshot snapshot() {
    return builder().build();
  }

  static ZoneSnapshot.Builder builder() {
    return ZoneSnapshot.builder(ORIGIN, SERIAL)
        .nameserver(name("ns1.berth."), ip("10.0.0.1"))
        .address(name("0.web.demo.default.berth."), ip("10.1.0.1"))
        .address(name("1.web.demo.default.berth."), ip("10.1.0.2"))
        .address(name("web.demo.default.berth."), ip("10.1.0.1"))
        .address(name("web.demo.default.berth."), ip("10.1.0.2"))
        .address(name("h1.node.berth."), ip("fd00::1"), 30)
        .record(
            new SRVRecord(
                name("_http._tcp.web.demo.default.berth."), DClass.IN, 5, 0, 0, 8080,
                name("0.web.demo.default.berth.")))
        .reverse(ip("10.1.0.1"), name("0.web.demo.default.berth."));
  }

  static Name name(String s) {
    return Name.fromConstantString(s);
  }

  static InetAddress ip(String literal) {
    try {
      return InetAddress.getByName(literal); // literals only: no resolver is consulted
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(literal, e);
    }
  }

  /** The rdata of the answer section as text, for comparing as a set. */
  static Set<String> answers(Message m) {
    return rdata(m, Section.ANSWER);
  }

  static Set<String> rdata(Message m, int section) {
    return m.getSection(section).stream().map(Record::rdataToString).collect(Collectors.toSet());
  }

  static Message query(String name, int type) {
    return Message.newQuery(Record.newRecord(name(name), type, DClass.IN));
  }
}
