package io.berth.dns;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;

/**
 * The names below one apex (say, one job's) with their answers already rendered, built once and
 * included in every later {@link ZoneSnapshot} while what it was built from stays the same. A
 * snapshot then pays one table entry per name of the part, not the records and replies: when one
 * job of ten changes, the other nine are not rendered again.
 *
 * <p>Answers come from the part alone: an SRV record's target gets its address in the additional
 * section when the target is a name of the same part.
 */
public final class ZonePart {
  private final Name apex;
  private final Collection<NameNode> nodes; // bound to no zone: each snapshot binds them to its own

  private ZonePart(Name apex, Collection<NameNode> nodes) {
    this.apex = apex;
    this.nodes = nodes;
  }

  /** A part for names strictly below {@code apex}, which must lie in the snapshot's zone. */
  public static Builder builder(Name apex) {
    if (!apex.isAbsolute()) {
      throw new IllegalArgumentException("DNS name '" + apex + "' is relative; give it with a trailing dot");
    }
    return new Builder(apex);
  }

  public Name apex() {
    return apex;
  }

  /** How many names the part holds, empty non-terminals below its apex included. */
  public int size() {
    return nodes.size();
  }

  /** Puts the part's names into a snapshot's table, answering in {@code zone}; names there stay. */
  void addTo(Map<Name, NameNode> table, Zone zone) {
    for (NameNode node : nodes) {
      table.putIfAbsent(node.name, node.in(zone));
    }
  }

  /** Collects records; every TTL is given (a part has no default to fill in later). */
  public static final class Builder {
    private final Name apex;
    private final OwnerTable owners = new OwnerTable();
    private final List<Record> glue = new ArrayList<>();

    private Builder(Name apex) {
      this.apex = apex;
    }

    public Builder address(Name name, InetAddress addr, long ttl) {
      requireBelowApex(name);
      owners.add(addressRecord(name, addr, ttl));
      return this;
    }

    /**
     * An address for the additional section only: answers of this part that point at {@code name}
     * (an SRV target) carry it, while the name's own answers come from another part.
     */
    public Builder glue(Name name, InetAddress addr, long ttl) {
      requireBelowApex(name);
      glue.add(addressRecord(name, addr, ttl));
      return this;
    }

    /** Any other record (SRV, TXT, ...) as given, TTL included. */
    public Builder record(Record r) {
      requireBelowApex(r.getName());
      OwnerTable.requireTtl(r.getTTL());
      owners.add(OwnerTable.requireData(r));
      return this;
    }

    public ZonePart build() {
      Map<Name, NameNode> nodes = new HashMap<>(2 * owners.size());
      List<Name> named = new ArrayList<>(owners.size());
      owners.render(glue, (name, types, answers) -> {
        nodes.put(name, new NameNode(name, null, types, answers));
        named.add(name);
      });
      for (Name name : named) {
        ZoneSnapshot.addEmptyNonTerminals(nodes, name, false, apex.labels(), null);
      }
      return new ZonePart(apex, List.copyOf(nodes.values()));
    }

    private static Record addressRecord(Name name, InetAddress addr, long ttl) {
      long t = OwnerTable.requireTtl(ttl);
      return addr instanceof Inet4Address
          ? new ARecord(name, DClass.IN, t, addr)
          : new AAAARecord(name, DClass.IN, t, addr);
    }

    private void requireBelowApex(Name name) {
      if (!name.isAbsolute() || !name.subdomain(apex) || name.equals(apex)) {
        throw new IllegalArgumentException("name " + name + " is not below the part's apex " + apex);
      }
    }
  }
}
