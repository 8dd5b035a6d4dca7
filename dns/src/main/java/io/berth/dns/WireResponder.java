package io.berth.dns;

import org.xbill.DNS.Rcode;

/**
 * Answers the common query straight from bytes: one IN question, an uncompressed name, at most an
 * EDNS0 OPT. It reads the header and question in place, finds the precomputed reply and patches
 * ID, flags and the question's case in. Whatever else arrives (and any reply that would need
 * truncating) it declines with null, and the dnsjava path in {@link Responder} takes over, so both
 * must agree; a differential test holds them to that.
 */
final class WireResponder {
  private static final int HEADER = 12;
  private static final int MAX_NAME = 255;
  private static final int TYPE_OPT = 41;
  private static final int TYPE_ANY = 255;
  private static final int TYPE_AXFR = 252;
  private static final int TYPE_IXFR = 251;
  private static final int CLASS_IN = 1;
  private static final int OPT_FIXED = 11; // root name, type, class, ttl, rdlength
  private static final int QR = 0x80;
  private static final int AA = 0x04;
  private static final int RD = 0x01;
  private static final int CD = 0x10;

  private WireResponder() {}

  /**
   * The reply, or null to leave this query to the full path.
   *
   * @param forwarding whether names outside our zones go to a forwarder (then they are declined)
   */
  static byte[] tryRespond(byte[] q, Transport transport, ZoneSnapshot zone, boolean forwarding) {
    int n = q.length;
    // A plain query: QR 0, opcode QUERY, TC 0; one question, no answer or authority records.
    if (n < HEADER + 5 || (q[2] & 0xFA) != 0 || u16(q, 4) != 1 || u16(q, 6) != 0
        || u16(q, 8) != 0 || u16(q, 10) > 1) {
      return null;
    }
    int nameEnd = nameEnd(q);
    if (nameEnd < 0 || nameEnd + 4 > n || u16(q, nameEnd + 2) != CLASS_IN) {
      return null;
    }
    int type = u16(q, nameEnd);
    int questionEnd = nameEnd + 4;
    boolean edns = u16(q, 10) == 1;
    int limit = Responder.CLASSIC_UDP_LIMIT;
    if (edns) {
      // Only a well-formed version-0 OPT that ends the packet; anything else is the slow path's.
      if (questionEnd + OPT_FIXED > n || q[questionEnd] != 0 || u16(q, questionEnd + 1) != TYPE_OPT
          || q[questionEnd + 6] != 0 || !optionsFill(q, questionEnd + OPT_FIXED, n)) {
        return null;
      }
      int payload = u16(q, questionEnd + 3);
      limit = Math.max(Responder.CLASSIC_UDP_LIMIT, Math.min(payload, Responder.MAX_UDP_PAYLOAD));
    } else if (questionEnd != n) {
      return null;
    }
    if (transport == Transport.TCP) {
      limit = Responder.TCP_LIMIT;
    }
    if (type == TYPE_OPT || type == TYPE_AXFR || type == TYPE_IXFR) {
      return null;
    }
    int nameLength = nameEnd - HEADER;
    NameNode node = zone.node(q, HEADER, nameLength);
    if (node != null) {
      Answer answer = type == TYPE_ANY ? node.anyAnswer() : node.answer(type);
      return answer.template != null
          ? fromTemplate(q, questionEnd, answer.template, edns, limit)
          : negative(q, questionEnd, answer.rcode, node.zone, edns, limit);
    }
    Zone holder = zone.zoneOf(q, HEADER, nameEnd);
    if (holder != null) {
      return negative(q, questionEnd, Rcode.NXDOMAIN, holder, edns, limit);
    }
    return forwarding ? null : refused(q, questionEnd, edns);
  }

  /** Where the question name ends (after its root label), or -1 if it is compressed or bad. */
  private static int nameEnd(byte[] q) {
    int at = HEADER;
    while (at < q.length) {
      int label = q[at] & 0xFF;
      if (label == 0) {
        return at + 1 - HEADER > MAX_NAME ? -1 : at + 1;
      }
      if (label > 63) {
        return -1; // a pointer or an extended label type: the full parser judges it
      }
      at += label + 1;
    }
    return -1;
  }

  /** Whether EDNS options (code, length, data) exactly fill packet[from, end): none overruns. */
  private static boolean optionsFill(byte[] q, int from, int end) {
    if (u16(q, from - 2) != end - from) {
      return false; // RDLENGTH must cover exactly the rest of the packet
    }
    int at = from;
    while (at + 4 <= end) {
      at += 4 + u16(q, at + 2);
    }
    return at == end;
  }

  private static byte[] fromTemplate(
      byte[] q, int questionEnd, byte[] template, boolean edns, int limit) {
    int length = template.length + (edns ? OPT_FIXED : 0);
    if (length > limit) {
      return null; // needs truncation, which dnsjava does by whole RRsets
    }
    byte[] reply = new byte[length];
    System.arraycopy(template, 0, reply, 0, template.length);
    System.arraycopy(q, HEADER, reply, HEADER, questionEnd - HEADER); // the asker's case
    header(q, reply, template[3]);
    if (edns) {
      addOpt(reply, template.length);
    }
    return reply;
  }

  private static byte[] negative(
      byte[] q, int questionEnd, int rcode, Zone zone, boolean edns, int limit) {
    byte[] soa = zone.negativeSoaWire;
    int length = questionEnd + soa.length + (edns ? OPT_FIXED : 0);
    if (length > limit) {
      return null;
    }
    byte[] reply = new byte[length];
    System.arraycopy(q, HEADER, reply, HEADER, questionEnd - HEADER);
    System.arraycopy(soa, 0, reply, questionEnd, soa.length);
    reply[2] = (byte) (QR | AA);
    header(q, reply, (byte) rcode);
    reply[5] = 1; // one question
    reply[9] = 1; // one authority record: the SOA
    if (edns) {
      addOpt(reply, questionEnd + soa.length);
    }
    return reply;
  }

  private static byte[] refused(byte[] q, int questionEnd, boolean edns) {
    byte[] reply = new byte[questionEnd + (edns ? OPT_FIXED : 0)];
    System.arraycopy(q, HEADER, reply, HEADER, questionEnd - HEADER);
    reply[2] = (byte) QR;
    header(q, reply, (byte) Rcode.REFUSED);
    reply[5] = 1;
    if (edns) {
      addOpt(reply, questionEnd);
    }
    return reply;
  }

  /** ID from the query, RD and CD echoed, the rcode set; QR and AA are the caller's. */
  private static void header(byte[] q, byte[] reply, byte rcode) {
    reply[0] = q[0];
    reply[1] = q[1];
    reply[2] = (byte) ((reply[2] & ~RD) | (q[2] & RD));
    reply[3] = (byte) ((q[3] & CD) | (rcode & 0x0F));
  }

  /** Our OPT (payload {@link Responder#MAX_UDP_PAYLOAD}, version 0, no options) at the end. */
  private static void addOpt(byte[] reply, int at) {
    reply[at + 1] = 0;
    reply[at + 2] = TYPE_OPT;
    reply[at + 3] = (byte) (Responder.MAX_UDP_PAYLOAD >>> 8);
    reply[at + 4] = (byte) Responder.MAX_UDP_PAYLOAD;
    int additional = u16(reply, 10) + 1;
    reply[10] = (byte) (additional >>> 8);
    reply[11] = (byte) additional;
  }

  private static int u16(byte[] b, int at) {
    return ((b[at] & 0xFF) << 8) | (b[at + 1] & 0xFF);
  }
}
