package io.berth.dns;

import java.util.ArrayList;
import java.util.List;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * AXFR (RFC 5936) of one zone of a snapshot, so an existing DNS server can serve it as a secondary:
 * SOA, every other record, SOA again, split over as many TCP messages as it takes. IXFR is
 * answered the same way (RFC 1995 4: the whole zone when no history is kept), or with the SOA
 * alone when the asker already has our serial.
 */
final class ZoneTransfer {
  // Uncompressed record bytes per message: compression then leaves plenty of room under 64 KiB.
  private static final int MESSAGE_BUDGET = 16_000;

  private ZoneTransfer() {}

  /** The reply messages on the wire, or null when the question is not the apex of one of ours. */
  static List<byte[]> messages(Message query, ZoneSnapshot snapshot) {
    Record question = query.getQuestion();
    Zone zone = snapshot.zoneAt(question.getName());
    if (zone == null) {
      return null;
    }
    List<Record> records = new ArrayList<>();
    records.add(zone.soa);
    if (!(question.getType() == Type.IXFR && askerIsCurrent(query, zone.soa))) {
      records.addAll(snapshot.recordsOf(zone));
      records.add(zone.soa);
    }
    List<byte[]> messages = new ArrayList<>();
    Message message = start(query, true);
    int used = 0;
    for (Record r : records) {
      int size = r.toWire(Section.ANSWER).length;
      if (used > 0 && used + size > MESSAGE_BUDGET) {
        messages.add(message.toWire());
        message = start(query, false);
        used = 0;
      }
      message.addRecord(r, Section.ANSWER);
      used += size;
    }
    messages.add(message.toWire());
    return messages;
  }

  /** An IXFR carries the asker's SOA in its authority section. */
  private static boolean askerIsCurrent(Message query, SOARecord ours) {
    for (Record r : query.getSection(Section.AUTHORITY)) {
      if (r instanceof SOARecord theirs && theirs.getSerial() == ours.getSerial()) {
        return true;
      }
    }
    return false;
  }

  /** The question goes in the first message only (RFC 5936 2.2.1 allows leaving it out later). */
  private static Message start(Message query, boolean first) {
    Message m = new Message(query.getHeader().getID());
    m.getHeader().setFlag(Flags.QR);
    m.getHeader().setFlag(Flags.AA);
    if (first) {
      m.addRecord(query.getQuestion(), Section.QUESTION);
    }
    return m;
  }
}
