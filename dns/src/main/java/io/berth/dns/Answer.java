package io.berth.dns;

import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;

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

  private Answer(int rcode, Record[] answer, Record[] authority, Record[] additional) {
    this.rcode = rcode;
    this.answer = answer;
    this.authority = authority;
    this.additional = additional;
  }

  static Answer positive(Record[] answer, Record[] additional) {
    return new Answer(Rcode.NOERROR, answer, NONE, additional);
  }

  /** NODATA: the name exists, the type does not; the SOA tells caches how long to remember. */
  static Answer noData(Record negativeSoa) {
    return new Answer(Rcode.NOERROR, NONE, new Record[] {negativeSoa}, NONE);
  }

  static Answer nxDomain(Record negativeSoa) {
    return new Answer(Rcode.NXDOMAIN, NONE, new Record[] {negativeSoa}, NONE);
  }
}
