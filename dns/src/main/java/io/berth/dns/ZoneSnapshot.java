package io.berth.dns;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
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
    this.nodesByWire = new WireNameTable<>(nodes);
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
      if (r.getDClass() != DClass.IN) {
        throw new IllegalArgumentException(
            "record " + r + " is of class " + DClass.string(r.getDClass()) + "; only IN is served");
      }
      if (r.getType() == Type.SOA || r.getType() == Type.OPT) {
        throw new IllegalArgumentException(
            "record " + r + ": " + Type.string(r.getType()) + " is made by the server itself");
      }
      long ttl = r.getTTL();
      data.add(new Pending(r.getName(), ttl, t -> t == ttl ? r : retimed(r, t)));
      return this;
    }

    public ZoneSnapshot build() {
      ZoneCuts cuts = new ZoneCuts(zones());
      // Owner -> type -> records, in insertion order (apex SOA and NS first, for ANY).
      Map<Name, Map<Integer, Collection<Record>>> owners = new LinkedHashMap<>();
      for (Zone zone : cuts.all()) {
        add(owners, zone.soa);
        for (Name ns : nameservers) {
          add(owners, new NSRecord(zone.apex, DClass.IN, defaultTtl, ns));
        }
      }
      for (Pending p : data) {
        add(owners, p.at(p.ttl == DEFAULT_TTL ? defaultTtl : p.ttl));
      }
      Map<Name, List<Record>> addresses = new HashMap<>();
      for (Map.Entry<Name, Map<Integer, Collection<Record>>> owner : owners.entrySet()) {
        for (Map.Entry<Integer, Collection<Record>> set : owner.getValue().entrySet()) {
          List<Record> rrset = uniformTtl(set.getValue()); // duplicates are gone: now a list
          if (set.getKey() == Type.A || set.getKey() == Type.AAAA) {
            addresses.computeIfAbsent(owner.getKey(), n -> new ArrayList<>()).addAll(rrset);
          }
          set.setValue(rrset);
        }
      }
      for (Pending p : outOfZoneGlue) {
        addresses.computeIfAbsent(p.name, n -> new ArrayList<>()).add(p.at(defaultTtl));
      }
      Map<Name, NameNode> nodes = new HashMap<>();
      for (Map.Entry<Name, Map<Integer, Collection<Record>>> owner : owners.entrySet()) {
        Name name = owner.getKey();
        Zone zone = cuts.holding(name);
        Map<Integer, Collection<Record>> byType = owner.getValue();
        int[] types = new int[byType.size()];
        Answer[] answers = new Answer[byType.size()];
        int i = 0;
        for (Map.Entry<Integer, Collection<Record>> set : byType.entrySet()) {
          Record[] records = set.getValue().toArray(new Record[0]);
          types[i] = set.getKey();
          answers[i] = Answer.positive(name, set.getKey(), records, additional(records, addresses));
          i++;
        }
        nodes.put(name, new NameNode(name, zone, types, answers));
      }
      addEmptyNonTerminals(nodes);
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

    /** Names between a record's owner and its apex exist (RFC 8020): they answer NODATA. */
    private static void addEmptyNonTerminals(Map<Name, NameNode> nodes) {
      for (NameNode node : new ArrayList<>(nodes.values())) {
        int apexLabels = node.zone.apex.labels();
        for (int strip = 1; node.name.labels() - strip > apexLabels; strip++) {
          Name ancestor = new Name(node.name, strip);
          NameNode existing = nodes.get(ancestor);
          if (existing != null && existing.isEmptyNonTerminal()) {
            break; // made here earlier, together with everything above it
          }
          if (existing == null) {
            // Below its apex, so in the same zone as the node it leads to.
            nodes.put(ancestor, new NameNode(ancestor, node.zone, new int[0], new Answer[0]));
          }
        }
      }
    }

    /** Addresses of the names an answer points at (NS, SRV, MX targets), so clients skip a trip. */
    private static Record[] additional(Record[] records, Map<Name, List<Record>> addresses) {
      Set<Record> extra = new LinkedHashSet<>();
      for (Record r : records) {
        Name target = r.getAdditionalName();
        if (target != null) {
          extra.addAll(addresses.getOrDefault(target, List.of()));
        }
      }
      return extra.toArray(new Record[0]);
    }

    private static void add(Map<Name, Map<Integer, Collection<Record>>> owners, Record r) {
      owners
          .computeIfAbsent(r.getName(), n -> new LinkedHashMap<>())
          .computeIfAbsent(r.getType(), t -> new LinkedHashSet<>())
          .add(r);
    }

    /** RFC 2181 5.2: one TTL per RRset; the lowest given wins so nothing is cached too long. */
    private static List<Record> uniformTtl(Collection<Record> set) {
      long min = Long.MAX_VALUE;
      for (Record r : set) {
        min = Math.min(min, r.getTTL());
      }
      List<Record> out = new ArrayList<>(set.size());
      for (Record r : set) {
        out.add(r.getTTL() == min ? r : retimed(r, min));
      }
      return out;
    }

    private static Record retimed(Record r, long ttl) {
      try {
        return Record.fromString(
            r.getName(), r.getType(), r.getDClass(), ttl, r.rdataToString(), Name.root);
      } catch (java.io.IOException e) {
        throw new IllegalArgumentException("cannot re-time record " + r, e);
      }
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
      if (seconds < 0 || seconds > 0x7FFF_FFFFL) {
        throw new IllegalArgumentException("TTL " + seconds + " is outside 0..2147483647 seconds");
      }
      return seconds;
    }
  }
}
