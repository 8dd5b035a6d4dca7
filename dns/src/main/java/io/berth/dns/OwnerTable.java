package io.berth.dns;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/**
 * Records by owner name and type, in the order first added (apex SOA and NS first, for ANY), and
 * their rendering into precomputed answers: what a whole {@link ZoneSnapshot} and a
 * {@link ZonePart} both build.
 */
final class OwnerTable {
  /** Receives each owner's types and their answers, parallel arrays. */
  interface Sink {
    void owner(Name name, int[] types, Answer[] answers);
  }

  private final Map<Name, Map<Integer, Collection<Record>>> owners = new LinkedHashMap<>();

  void add(Record r) {
    owners
        .computeIfAbsent(r.getName(), n -> new LinkedHashMap<>())
        .computeIfAbsent(r.getType(), t -> new LinkedHashSet<>())
        .add(r);
  }

  /**
   * Renders every owner's RRsets, duplicates gone and one TTL each, with the addresses of the
   * names they point at (NS, SRV, MX targets) in the additional section: addresses found among
   * these owners, then in {@code glue}.
   */
  void render(List<Record> glue, Sink sink) {
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
    for (Record r : glue) {
      addresses.computeIfAbsent(r.getName(), n -> new ArrayList<>()).add(r);
    }
    for (Map.Entry<Name, Map<Integer, Collection<Record>>> owner : owners.entrySet()) {
      Name name = owner.getKey();
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
      sink.owner(name, types, answers);
    }
  }

  int size() {
    return owners.size();
  }

  /** A record given as data: of class IN, and not a type the server makes itself. */
  static Record requireData(Record r) {
    if (r.getDClass() != DClass.IN) {
      throw new IllegalArgumentException(
          "record " + r + " is of class " + DClass.string(r.getDClass()) + "; only IN is served");
    }
    if (r.getType() == Type.SOA || r.getType() == Type.OPT) {
      throw new IllegalArgumentException(
          "record " + r + ": " + Type.string(r.getType()) + " is made by the server itself");
    }
    return r;
  }

  static long requireTtl(long seconds) {
    if (seconds < 0 || seconds > 0x7FFF_FFFFL) {
      throw new IllegalArgumentException("TTL " + seconds + " is outside 0..2147483647 seconds");
    }
    return seconds;
  }

  static Record retimed(Record r, long ttl) {
    try {
      return Record.fromString(
          r.getName(), r.getType(), r.getDClass(), ttl, r.rdataToString(), Name.root);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("cannot re-time record " + r, e);
    }
  }

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
}
