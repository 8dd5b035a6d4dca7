package io.berth.dns;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongFunction;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.ReverseMap;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * An immutable view of everything the server answers, as of one state version. Every reply body
 * is precomputed per (name, type) in {@link Builder#build()}, so the query path only looks up.
 *
 * <p>The server is authoritative for the zone under {@link #origin()} and for reverse zones: either
 * declared with {@link Builder#reverseZone(Name)}, or, for a PTR owner outside any declared one,
 * just that owner name (reverse lookups of addresses Berth did not hand out stay someone else's).
 */
public final class ZoneSnapshot {
  static final Name IN_ADDR_ARPA = Name.fromConstantString("in-addr.arpa.");
  static final Name IP6_ARPA = Name.fromConstantString("ip6.arpa.");

  private final Name origin;
  private final long serial;
  private final Map<Name, NameNode> nodes;
  // The same nodes keyed by wire bytes, for the allocation-free path (WireResponder).
  private final WireNameTable<NameNode> nodesByWire;
  private final ZoneCuts cuts;

  private ZoneSnapshot(Name origin, long serial, Map<Name, NameNode> nodes, ZoneCuts cuts) {
    this.origin = origin;
    this.serial = serial;
    this.nodes = nodes;
    this.nodesByWire = new WireNameTable<>(nodes.values(), node -> node.wireKey);
    this.cuts = cuts;
  }

  public static Builder builder(Name origin, long serial) {
    requireAbsolute(origin);
    return new Builder(origin, serial);
  }

  public long serial() {
    return serial;
  }

  public Name origin() {
    return origin;
  }

  /** Whether this name lies in a zone of this snapshot; the rest is REFUSED or forwarded. */
  public boolean serves(Name name) {
    return zoneOf(name) != null;
  }

  /** The node at exactly this name (case-insensitive), or null. */
  NameNode node(Name name) {
    return nodes.get(name);
  }

  /** {@link #node(Name)} for the uncompressed wire name at packet[offset, offset+length). */
  NameNode node(byte[] packet, int offset, int length) {
    return nodesByWire.get(packet, offset, length);
  }

  /** The deepest zone holding the uncompressed wire name at packet[offset, end), or null. */
  Zone zoneOf(byte[] packet, int offset, int end) {
    return cuts.holding(packet, offset, end);
  }

  /** The zone whose apex is exactly this name, or null. */
  Zone zoneAt(Name apex) {
    return cuts.at(apex);
  }

  /**
   * The zones a secondary would carry: the main one and the declared reverse zones; not the
   * one-name zones of lone PTR records, which no one configures one by one.
   */
  List<Zone> transferableZones() {
    List<Zone> zones = new ArrayList<>();
    for (Zone zone : cuts.all()) {
      if (!zone.loneName) {
        zones.add(zone);
      }
    }
    return zones;
  }

  /** Every record of a zone but its SOA, in canonical name order: what a zone transfer sends. */
  List<Record> recordsOf(Zone zone) {
    List<NameNode> members = new ArrayList<>();
    for (NameNode node : nodes.values()) {
      if (node.zone == zone) {
        members.add(node);
      }
    }
    members.sort((a, b) -> a.name.compareTo(b.name));
    List<Record> records = new ArrayList<>();
    for (NameNode node : members) {
      node.addRecordsTo(records);
    }
    records.removeIf(r -> r.getType() == Type.SOA);
    return records;
  }

  /** The deepest zone holding this name, or null when the server is not authoritative for it. */
  Zone zoneOf(Name name) {
    return cuts.holding(name);
  }

  private static void requireAbsolute(Name name) {
    if (!name.isAbsolute()) {
      throw new IllegalArgumentException(
          "DNS name '" + name + "' is relative; give it with a trailing dot, e.g. '" + name + ".'");
    }
  }

  /**
   * Names between {@code name} and the apex ({@code apexLabels} long) exist (RFC 8020): each one
   * not in {@code nodes} is added as an empty non-terminal, answering NODATA. With {@code self},
   * {@code name} itself too (a part's apex, whose names lie below it).
   */
  static void addEmptyNonTerminals(
      Map<Name, NameNode> nodes, Name name, boolean self, int apexLabels, Zone zone) {
    for (int strip = self ? 0 : 1; name.labels() - strip > apexLabels; strip++) {
      Name ancestor = strip == 0 ? name : new Name(name, strip);
      NameNode existing = nodes.get(ancestor);
      if (existing != null && existing.isEmptyNonTerminal()) {
        break; // made here earlier, together with everything above it
      }
      if (existing == null) {
        // Below its apex, so in the same zone as the node it leads to.
        nodes.put(ancestor, NameNode.emptyNonTerminal(ancestor, zone));
      }
    }
  }

  private static Name child(String label, Name parent) {
    try {
      return new Name(label, parent);
    } catch (TextParseException e) {
      throw new IllegalArgumentException("cannot put '" + label + "' under " + parent, e);
    }
  }

  /** Collects records; default TTLs are applied in {@link #build()}, so call order does not matter. */
  public static final class Builder {
    // SOA timers: secondaries refresh often because the state changes often, and keep serving a
    // week without us because names must survive a long coordinator outage.
    private static final long REFRESH = 60;
    private static final long RETRY = 30;
    private static final long EXPIRE = 604_800;
    private static final long DEFAULT_TTL = -1; // stands for defaultTtl until build()

    private final Name origin;
    private final long serial;
    private long defaultTtl = 5;
    private long negativeTtl = 5;
    private final List<Name> nameservers = new ArrayList<>();
    private final List<Pending> data = new ArrayList<>();
    private final List<Pending> outOfZoneGlue = new ArrayList<>();
    private final List<Name> reverseZones = new ArrayList<>();
    private final List<ZonePart> parts = new ArrayList<>();

    /** A record whose TTL may be the default, which is only known at build time. */
    private record Pending(Name name, long ttl, LongFunction<Record> make) {
      Record at(long effectiveTtl) {
        return make.apply(effectiveTtl);
      }
    }

    private Builder(Name origin, long serial) {
      this.origin = origin;
      this.serial = serial;
    }

    public Builder defaultTtl(long seconds) {
      this.defaultTtl = requireTtl(seconds);
      return this;
    }

    /** The SOA minimum: how long resolvers cache NXDOMAIN and NODATA. */
    public Builder negativeTtl(long seconds) {
      this.negativeTtl = requireTtl(seconds);
      return this;
    }

    /** An NS record at every apex we serve, and the glue address that goes with it. */
    public Builder nameserver(Name nsName, InetAddress glue) {
      requireAbsolute(nsName);
      if (!nameservers.contains(nsName)) {
        nameservers.add(nsName);
      }
      Pending address = addressEntry(nsName, glue, DEFAULT_TTL);
      if (nsName.subdomain(origin)) {
        data.add(address);
      } else {
        outOfZoneGlue.add(address);
      }
      return this;
    }

    public Builder address(Name name, InetAddress addr) {
      requireServed(name);
      data.add(addressEntry(name, addr, DEFAULT_TTL));
      return this;
    }

    public Builder address(Name name, InetAddress addr, long ttl) {
      requireServed(name);
      data.add(addressEntry(name, addr, requireTtl(ttl)));
      return this;
    }

    /** PTR from the address's reverse name to target, with the default TTL. */
    public Builder reverse(InetAddress addr, Name target) {
      requireAbsolute(target);
      Name owner = ReverseMap.fromAddress(addr);
      data.add(new Pending(owner, DEFAULT_TTL, t -> new PTRRecord(owner, DClass.IN, t, target)));
      return this;
    }

    /**
     * Makes the server authoritative for a whole reverse zone (e.g. {@code 0.10.in-addr.arpa.}):
     * unknown addresses in it get NXDOMAIN instead of being someone else's business.
     */
    public Builder reverseZone(Name apex) {
      requireAbsolute(apex);
      if (!apex.subdomain(IN_ADDR_ARPA) && !apex.subdomain(IP6_ARPA)) {
        throw new IllegalArgumentException(
            "reverse zone " + apex + " is not under in-addr.arpa. or ip6.arpa.");
      }
      reverseZones.add(apex);
      return this;
    }

    /** Any other record (SRV, PTR, TXT, ...) as given, TTL included. */
    public Builder record(Record r) {
      requireServed(r.getName());
      OwnerTable.requireData(r);
      long ttl = r.getTTL();
      data.add(new Pending(r.getName(), ttl, t -> t == ttl ? r : OwnerTable.retimed(r, t)));
      return this;
    }

    /**
     * Names built earlier and kept while their inputs do not change (see {@link ZonePart}). Its
     * apex must lie in the zone; where a name is also given here or in an earlier part, that one
     * stays and the part's is left out.
     */
    public Builder part(ZonePart part) {
      if (!part.apex().subdomain(origin)) {
        throw new IllegalArgumentException("part " + part.apex() + " is outside zone " + origin);
      }
      parts.add(part);
      return this;
    }

    public ZoneSnapshot build() {
      ZoneCuts cuts = new ZoneCuts(zones());
      OwnerTable owners = new OwnerTable();
      for (Zone zone : cuts.all()) {
        owners.add(zone.soa);
        for (Name ns : nameservers) {
          owners.add(new NSRecord(zone.apex, DClass.IN, defaultTtl, ns));
        }
      }
      for (Pending p : data) {
        owners.add(p.at(p.ttl == DEFAULT_TTL ? defaultTtl : p.ttl));
      }
      List<Record> glue = new ArrayList<>(outOfZoneGlue.size());
      for (Pending p : outOfZoneGlue) {
        glue.add(p.at(defaultTtl));
      }
      int size = owners.size();
      for (ZonePart part : parts) {
        size += part.size();
      }
      Map<Name, NameNode> nodes = new HashMap<>(2 * size);
      List<NameNode> given = new ArrayList<>(owners.size());
      owners.render(glue, (name, types, answers) -> {
        NameNode node = new NameNode(name, cuts.holding(name), types, answers);
        nodes.put(name, node);
        given.add(node);
      });
      for (ZonePart part : parts) {
        // Below an apex in the zone there is no other cut (reverse zones lie under arpa).
        Zone zone = cuts.holding(part.apex());
        part.addTo(nodes, zone);
        addEmptyNonTerminals(nodes, part.apex(), true, zone.apex.labels(), zone);
      }
      for (NameNode node : given) {
        addEmptyNonTerminals(nodes, node.name, false, node.zone.apex.labels(), node.zone);
      }
      return new ZoneSnapshot(origin, serial, Collections.unmodifiableMap(nodes), cuts);
    }

    private Map<Name, Zone> zones() {
      Name mname = nameservers.isEmpty() ? child("ns", origin) : nameservers.get(0);
      Name rname = child("hostmaster", origin);
      // SOA TTL never undercuts the configured negative TTL: caches use min(TTL, MINIMUM).
      long soaTtl = Math.max(defaultTtl, negativeTtl);
      Set<Name> declared = new LinkedHashSet<>();
      declared.add(origin);
      declared.addAll(reverseZones);
      Set<Name> lone = new LinkedHashSet<>();
      for (Pending p : data) {
        if (!p.name.subdomain(origin) && reverseZones.stream().noneMatch(p.name::subdomain)) {
          lone.add(p.name); // a lone reverse name: authoritative for it and nothing around it
        }
      }
      Map<Name, Zone> zones = new LinkedHashMap<>();
      for (Set<Name> apexes : List.of(declared, lone)) {
        for (Name apex : apexes) {
          SOARecord soa =
              new SOARecord(
                  apex, DClass.IN, soaTtl, mname, rname, serial & 0xFFFF_FFFFL, REFRESH, RETRY,
                  EXPIRE, negativeTtl);
          zones.put(apex, new Zone(apex, soa, apexes == lone));
        }
      }
      return zones;
    }

    private static Pending addressEntry(Name name, InetAddress addr, long ttl) {
      requireAbsolute(name);
      if (addr instanceof Inet4Address) {
        return new Pending(name, ttl, t -> new ARecord(name, DClass.IN, t, addr));
      }
      return new Pending(name, ttl, t -> new AAAARecord(name, DClass.IN, t, addr));
    }

    private void requireServed(Name name) {
      requireAbsolute(name);
      if (!name.subdomain(origin) && !name.subdomain(IN_ADDR_ARPA) && !name.subdomain(IP6_ARPA)) {
        throw new IllegalArgumentException(
            "name " + name + " is outside zone " + origin
                + " and the reverse trees; only names under them can be served");
      }
    }

    private static long requireTtl(long seconds) {
      return OwnerTable.requireTtl(seconds);
    }
  }
}
