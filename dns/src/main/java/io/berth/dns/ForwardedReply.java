package io.berth.dns;

import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * Turns an upstream's reply into ours for the client: the client's ID, question (and its case) and
 * EDNS, recursion available, not authoritative, TTLs reduced by the time the reply sat in cache.
 */
final class ForwardedReply {
  private static final int[] SECTIONS = {Section.ANSWER, Section.AUTHORITY, Section.ADDITIONAL};

  private ForwardedReply() {}

  static Message of(Message query, Message upstream, long ageSeconds) {
    Message reply = header(query, upstream.getRcode() > 0xF ? Rcode.SERVFAIL : upstream.getRcode());
    for (int section : SECTIONS) {
      for (Record r : upstream.getSection(section)) {
        if (r.getType() != Type.OPT) {
          reply.addRecord(ageSeconds == 0 ? r : aged(r, ageSeconds), section);
        }
      }
    }
    return reply;
  }

  /** What the client gets when no upstream answered in time. */
  static Message serverFailure(Message query) {
    return header(query, Rcode.SERVFAIL);
  }

  private static Message header(Message query, int rcode) {
    Message reply = new Message(query.getHeader().getID());
    reply.getHeader().setFlag(Flags.QR);
    reply.getHeader().setFlag(Flags.RA);
    for (int flag : new int[] {Flags.RD, Flags.CD}) {
      if (query.getHeader().getFlag(flag)) {
        reply.getHeader().setFlag(flag);
      }
    }
    reply.getHeader().setRcode(rcode);
    reply.addRecord(query.getQuestion(), Section.QUESTION);
    if (query.getOPT() != null) {
      reply.addRecord(Responder.ourOpt(0), Section.ADDITIONAL);
    }
    return reply;
  }

  private static Record aged(Record r, long ageSeconds) {
    long ttl = Math.max(0, r.getTTL() - ageSeconds);
    return Record.newRecord(r.getName(), r.getType(), r.getDClass(), ttl, r.rdataToWireCanonical());
  }
}
