package io.berth.dns;

import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;

/**
 * One precomputed reply body for a (name, type): the records of each section and the rcode. Built
 * once in {@link ZoneSnapshot.Builder#build()} so that answering is a lookup and a render.
 */
final class Answer {
  private static final Record[] NONE = new Record[0];

  final int rcode;
  final Record[] answer;
  final Record[] authority;
  final Record[] additional;
  /**
   * A positive answer's whole reply on the wire, ID 0 and RD clear, names compressed against the
   * question at offset 12. Any query for this name and type has a question of the same length,
   * so {@link WireResponder} copies it and patches ID, flags and question. Null for negatives:
   * their question varies in length, so they are assembled around an uncompressed SOA instead.
   */
  final byte[] template;

  private Answer(
      int rcode, Record[] answer, Record[] authority, Record[] additional, byte[] template) {
    this.rcode = rcode;
    this.answer = answer;
    this.authority = authority;
    this.additional = additional;
    this.template = template;
  }

  static Answer positive(Name owner, int type, Record[] answer, Record[] additional) {
    Message reply = new Message(0);
    reply.getHeader().setFlag(Flags.QR);
    reply.getHeader().setFlag(Flags.AA);
    reply.addRecord(Record.newRecord(owner, type, DClass.IN), Section.QUESTION);
    for (Record r : answer) {
      reply.addRecord(r, Section.ANSWER);
    }
    for (Record r : additional) {
      reply.addRecord(r, Section.ADDITIONAL);
    }
    return new Answer(Rcode.NOERROR, answer, NONE, additional, reply.toWire());
  }

  /** NODATA: the name exists, the type does not; the SOA tells caches how long to remember. */
  static Answer noData(Record negativeSoa) {
    return new Answer(Rcode.NOERROR, NONE, new Record[] {negativeSoa}, NONE, null);
  }

  static Answer nxDomain(Record negativeSoa) {
    return new Answer(Rcode.NXDOMAIN, NONE, new Record[] {negativeSoa}, NONE, null);
  }
}
