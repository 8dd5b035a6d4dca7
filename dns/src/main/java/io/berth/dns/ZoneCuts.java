package io.berth.dns;

import java.util.Collection;
import java.util.Map;
import org.xbill.DNS.Name;

/**
 * The apexes of the zones a snapshot is authoritative for, and which of them holds a name: the
 * deepest apex the name ends with.
 */
final class ZoneCuts {
  private final Map<Name, Zone> byApex;
  private final WireNameTable<Zone> byWireApex;

  ZoneCuts(Map<Name, Zone> byApex) {
    this.byApex = Map.copyOf(byApex);
    this.byWireApex = new WireNameTable<>(byApex);
  }

  /** The zone whose apex is exactly this name, or null. */
  Zone at(Name apex) {
    return byApex.get(apex);
  }

  /** The deepest zone holding this name, or null when we are not authoritative for it. */
  Zone holding(Name name) {
    byte[] wire = name.toWire();
    return holding(wire, 0, wire.length);
  }

  /** {@link #holding(Name)} for the uncompressed wire name at packet[offset, end). */
  Zone holding(byte[] packet, int offset, int end) {
    // Longest suffix first, so the deepest zone wins; each label starts a shorter suffix.
    for (int at = offset; at < end; at += (packet[at] & 0xFF) + 1) {
      Zone zone = byWireApex.get(packet, at, end - at);
      if (zone != null) {
        return zone;
      }
    }
    return null;
  }

  Collection<Zone> all() {
    return byApex.values();
  }
}
