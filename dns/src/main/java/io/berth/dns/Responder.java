package io.berth.dns;

import java.io.IOException;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Header;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * The rules of an authoritative answer, free of sockets and clocks: a query and a {@link
 * ZoneSnapshot} in, a reply out. Names the snapshot does not serve are REFUSED here; forwarding
 * them is the caller's decision (see {@link ZoneSnapshot#serves(Name)}).
 */
public final class Responder {
  /** The EDNS0 payload we advertise and cap UDP replies at (DNS flag day 2020: no fragments). */
  public static final int MAX_UDP_PAYLOAD = 1232;

  static final int CLASSIC_UDP_LIMIT = 512;
  static final int TCP_LIMIT = 65_535;
  private static final int EDNS_VERSION = 0;

  /**
   * Wire in, wire out. Returns null when nothing should be sent: the packet is a response
   * (answering it could loop) or too short to carry a header we could echo.
   */
  public byte[] respond(byte[] query, Transport transport, ZoneSnapshot zone) {
    byte[] quick = WireResponder.tryRespond(query, transport, zone, false);
    if (quick != null) {
      return quick;
    }
    Message parsed = parse(query);
    if (parsed == null) {
      return BareReply.formErr(query);
    }
    return render(answer(parsed, zone), parsed, transport);
  }

  /** The parsed query, or null when dnsjava cannot make sense of it (then: FORMERR or drop). */
  static Message parse(byte[] query) {
    try {
      return new Message(query);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** The reply's wire form within what transport and EDNS allow; null stays null. */
  static byte[] render(Message reply, Message query, Transport transport) {
    return reply == null ? null : reply.toWire(replyLimit(query, transport));
  }

  /** The reply to a parsed query, or null for a packet that must not be answered. */
  public Message answer(Message query, ZoneSnapshot zone) {
    Header header = query.getHeader();
    if (header.getFlag(Flags.QR)) {
      return null;
    }
    Message reply = replyTo(header);
    if (header.getOpcode() != Opcode.QUERY) {
      return withRcode(reply, Rcode.NOTIMP);
    }
    Record question = query.getQuestion();
    if (question == null || header.getCount(Section.QUESTION) != 1 || optCount(query) > 1) {
      return withRcode(reply, Rcode.FORMERR);
    }
    reply.addRecord(question, Section.QUESTION);
    OPTRecord opt = query.getOPT();
    if (opt != null) {
      if (opt.getVersion() > EDNS_VERSION) {
        // RFC 6891 6.1.3: BADVERS (16) does not fit the header's 4 bits; its high bits go in OPT.
        reply.addRecord(ourOpt(Rcode.BADVERS >>> 4), Section.ADDITIONAL);
        return reply;
      }
      reply.addRecord(ourOpt(0), Section.ADDITIONAL);
    }
    if (question.getDClass() != DClass.IN && question.getDClass() != DClass.ANY) {
      return withRcode(reply, Rcode.REFUSED);
    }
    int type = question.getType();
    if (type == Type.AXFR || type == Type.IXFR) {
      return withRcode(reply, Rcode.REFUSED); // transfers: TCP, allowed secondaries (Authority)
    }
    Answer answer = lookup(question.getName(), type, zone);
    if (answer == null) {
      return withRcode(reply, Rcode.REFUSED); // seam: a forwarder takes these before we get here
    }
    reply.getHeader().setFlag(Flags.AA);
    reply.getHeader().setRcode(answer.rcode);
    addAll(reply, answer.answer, Section.ANSWER);
    addAll(reply, answer.authority, Section.AUTHORITY);
    addAll(reply, answer.additional, Section.ADDITIONAL);
    return reply;
  }

  /** How large the reply may be: TCP takes all; UDP takes 512 or the EDNS0 size, capped by ours. */
  static int replyLimit(Message query, Transport transport) {
    if (transport == Transport.TCP) {
      return TCP_LIMIT;
    }
    OPTRecord opt = query.getOPT();
    if (opt == null) {
      return CLASSIC_UDP_LIMIT;
    }
    // RFC 6891 6.2.5: sizes below 512 mean 512.
    return Math.max(CLASSIC_UDP_LIMIT, Math.min(opt.getPayloadSize(), MAX_UDP_PAYLOAD));
  }

  /** Null when the name is in no zone of the snapshot. */
  private static Answer lookup(Name name, int type, ZoneSnapshot zone) {
    NameNode node = zone.node(name);
    if (node != null) {
      return type == Type.ANY ? node.anyAnswer() : node.answer(type);
    }
    Zone holder = zone.zoneOf(name);
    return holder == null ? null : holder.nxDomain;
  }

  private static Message replyTo(Header query) {
    Message reply = new Message(query.getID());
    Header header = reply.getHeader();
    header.setFlag(Flags.QR);
    header.setOpcode(query.getOpcode());
    if (query.getFlag(Flags.RD)) {
      header.setFlag(Flags.RD);
    }
    if (query.getFlag(Flags.CD)) {
      header.setFlag(Flags.CD);
    }
    return reply;
  }

  private static Message withRcode(Message reply, int rcode) {
    reply.getHeader().setRcode(rcode);
    return reply;
  }

  static OPTRecord ourOpt(int extendedRcode) {
    return new OPTRecord(MAX_UDP_PAYLOAD, extendedRcode, EDNS_VERSION, 0);
  }

  private static int optCount(Message query) {
    int count = 0;
    for (Record r : query.getSection(Section.ADDITIONAL)) {
      if (r.getType() == Type.OPT) {
        count++;
      }
    }
    return count;
  }

  private static void addAll(Message reply, Record[] records, int section) {
    for (Record r : records) {
      reply.addRecord(r, section);
    }
  }
}
