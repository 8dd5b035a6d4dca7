package io.berth.dns;

import org.xbill.DNS.Rcode;

/**
 * A reply that is only a header: the query's ID, opcode and RD echoed, an rcode, no sections. Used
 * when the packet cannot be parsed (FORMERR) or answering it failed (SERVFAIL), so that we trust
 * nothing past the header.
 */
final class BareReply {
  private static final int HEADER_LENGTH = 12;
  private static final int QR = 0x80;
  private static final int OPCODE_AND_RD = 0x79;

  private BareReply() {}

  static byte[] formErr(byte[] packet) {
    return of(packet, Rcode.FORMERR);
  }

  static byte[] servFail(byte[] packet) {
    return of(packet, Rcode.SERVFAIL);
  }

  /** Null when there is no header to echo, or the packet is itself a response (no loops). */
  private static byte[] of(byte[] packet, int rcode) {
    if (packet.length < HEADER_LENGTH || (packet[2] & QR) != 0) {
      return null;
    }
    byte[] reply = new byte[HEADER_LENGTH];
    reply[0] = packet[0];
    reply[1] = packet[1];
    reply[2] = (byte) (QR | (packet[2] & OPCODE_AND_RD));
    reply[3] = (byte) rcode;
    return reply;
  }
}
