package io.berth.dns;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.xbill.DNS.Rcode;

/**
 * Answers the common query straight from bytes: one IN question, an uncompressed name, at most an
 * EDNS0 OPT. It reads the header and question in place, finds the precomputed reply and writes it
 * out with the query's ID, flags and question (the asker's case). Whatever else arrives (and any
 * reply that would need truncating) it declines, and the dnsjava path in {@link Responder} takes
 * over, so both must agree; a differential test holds them to that.
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

  /** The reply to the whole of q as a new array, or null to leave q to the full path. */
  static byte[] tryRespond(byte[] q, Transport transport, ZoneSnapshot zone, boolean forwarding) {
    ByteBuf out = Unpooled.buffer(512);
    boolean answered = tryRespond(q, q.length, transport, zone, forwarding, out);
    return answered ? ByteBufUtil.getBytes(out) : null;
  }

  /**
   * Writes the reply to the query at q[0, n) into out and returns true, or returns false having
   * written nothing, to leave this query to the full path. Allocates nothing: the socket handlers
   * pass a reused query array and a pooled direct buffer, so a busy server makes no garbage here.
   *
   * @param forwarding whether names outside our zones go to a forwarder (then they are declined)
   */
  static boolean tryRespond(
      byte[] q, int n, Transport transport, ZoneSnapshot zone, boolean forwarding, ByteBuf out) {
    // A plain query: QR 0, opcode QUERY, TC 0; one question, no answer or authority records.
    if (n < HEADER + 5 || (q[2] & 0xFA) != 0 || u16(q, 4) != 1 || u16(q, 6) != 0
        || u16(q, 8) != 0 || u16(q, 10) > 1) {
      return false;
    }
    int nameEnd = nameEnd(q, n);
    if (nameEnd < 0 || nameEnd + 4 > n || u16(q, nameEnd + 2) != CLASS_IN) {
      return false;
    }
    int type = u16(q, nameEnd);
    int questionEnd = nameEnd + 4;
    boolean edns = u16(q, 10) == 1;
    int limit = Responder.CLASSIC_UDP_LIMIT;
    if (edns) {
      // Only a well-formed version-0 OPT that ends the packet; anything else is the slow path's.
      if (questionEnd + OPT_FIXED > n || q[questionEnd] != 0 || u16(q, questionEnd + 1) != TYPE_OPT
          || q[questionEnd + 6] != 0 || !optionsFill(q, questionEnd + OPT_FIXED, n)) {
        return false;
      }
      int payload = u16(q, questionEnd + 3);
      limit = Math.max(Responder.CLASSIC_UDP_LIMIT, Math.min(payload, Responder.MAX_UDP_PAYLOAD));
    } else if (questionEnd != n) {
      return false;
    }
    if (transport == Transport.TCP) {
      limit = Responder.TCP_LIMIT;
    }
    if (type == TYPE_OPT || type == TYPE_AXFR || type == TYPE_IXFR) {
      return false;
    }
    int nameLength = nameEnd - HEADER;
    NameNode node = zone.node(q, HEADER, nameLength);
    if (node != null) {
      Answer answer = type == TYPE_ANY ? node.anyAnswer() : node.answer(type);
      return answer.template != null
          ? fromTemplate(q, questionEnd, answer.template, edns, limit, out)
          : negative(q, questionEnd, answer.rcode, node.zone, edns, limit, out);
    }
    Zone holder = zone.zoneOf(q, HEADER, nameEnd);
    if (holder != null) {
      return negative(q, questionEnd, Rcode.NXDOMAIN, holder, edns, limit, out);
    }
    if (forwarding) {
      return false;
    }
    refused(q, questionEnd, edns, out);
    return true;
  }

  /** Where the question name ends (after its root label), or -1 if it is compressed or bad. */
  private static int nameEnd(byte[] q, int n) {
    int at = HEADER;
    while (at < n) {
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

  /*
   * The writers below emit the reply front to back (header, the asker's question, the rest), so
   * the pooled buffer grows as needed and nothing is patched afterwards; each checks the limit
   * before its first byte, so a decline leaves out as it was.
   */

  private static boolean fromTemplate(
      byte[] q, int questionEnd, byte[] template, boolean edns, int limit, ByteBuf out) {
    if (template.length + (edns ? OPT_FIXED : 0) > limit) {
      return false; // needs truncation, which dnsjava does by whole RRsets
    }
    int flags = (template[2] & ~RD) | (q[2] & RD);
    header(out, q, flags, template[3], u16(template, 4), u16(template, 6), u16(template, 8),
        u16(template, 10) + (edns ? 1 : 0));
    out.writeBytes(q, HEADER, questionEnd - HEADER); // the asker's case
    out.writeBytes(template, questionEnd, template.length - questionEnd);
    if (edns) {
      opt(out);
    }
    return true;
  }

  private static boolean negative(
      byte[] q, int questionEnd, int rcode, Zone zone, boolean edns, int limit, ByteBuf out) {
    byte[] soa = zone.negativeSoaWire;
    if (questionEnd + soa.length + (edns ? OPT_FIXED : 0) > limit) {
      return false;
    }
    header(out, q, QR | AA | (q[2] & RD), rcode, 1, 0, 1, edns ? 1 : 0);
    out.writeBytes(q, HEADER, questionEnd - HEADER);
    out.writeBytes(soa);
    if (edns) {
      opt(out);
    }
    return true;
  }

  private static void refused(byte[] q, int questionEnd, boolean edns, ByteBuf out) {
    header(out, q, QR | (q[2] & RD), Rcode.REFUSED, 1, 0, 0, edns ? 1 : 0);
    out.writeBytes(q, HEADER, questionEnd - HEADER);
    if (edns) {
      opt(out);
    }
  }

  /** ID from the query, CD echoed, the rcode; flags (QR, AA, RD) and counts are the caller's. */
  private static void header(
      ByteBuf out, byte[] q, int flags, int rcode, int qd, int an, int ns, int ar) {
    out.writeByte(q[0]);
    out.writeByte(q[1]);
    out.writeByte(flags);
    out.writeByte((q[3] & CD) | (rcode & 0x0F));
    out.writeShort(qd);
    out.writeShort(an);
    out.writeShort(ns);
    out.writeShort(ar);
  }

  /** Our OPT: root name, payload {@link Responder#MAX_UDP_PAYLOAD}, version 0, no options. */
  private static void opt(ByteBuf out) {
    out.writeByte(0);
    out.writeShort(TYPE_OPT);
    out.writeShort(Responder.MAX_UDP_PAYLOAD);
    out.writeInt(0); // extended rcode, version, flags
    out.writeShort(0); // no options
  }

  private static int u16(byte[] b, int at) {
    return ((b[at] & 0xFF) << 8) | (b[at + 1] & 0xFF);
  }
}
