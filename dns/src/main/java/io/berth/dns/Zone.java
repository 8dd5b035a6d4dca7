package io.berth.dns;

import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;

/**
 * A zone cut the server is authoritative for: the main zone, or a reverse zone. Holds the negative
 * answers every name under it shares.
 */
final class Zone {
  final Name apex;
  final SOARecord soa;
  /** A zone of one PTR owner name, made because no declared reverse zone holds it. */
  final boolean loneName;
  final Answer noData;
  final Answer nxDomain;
  /** The negative SOA as an authority record on the wire, uncompressed: fits after any question. */
  final byte[] negativeSoaWire;

  Zone(Name apex, SOARecord soa, boolean loneName) {
    this.apex = apex;
    this.soa = soa;
    this.loneName = loneName;
    // RFC 2308: a negative answer is cached for min(SOA TTL, SOA MINIMUM).
    Record negative =
        new SOARecord(
            apex,
            soa.getDClass(),
            Math.min(soa.getTTL(), soa.getMinimum()),
            soa.getHost(),
            soa.getAdmin(),
            soa.getSerial(),
            soa.getRefresh(),
            soa.getRetry(),
            soa.getExpire(),
            soa.getMinimum());
    this.noData = Answer.noData(negative);
    this.nxDomain = Answer.nxDomain(negative);
    this.negativeSoaWire = negative.toWire(Section.AUTHORITY);
  }
}
