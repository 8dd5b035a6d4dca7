package io.berth.dns;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * Upstream answers kept for as long as their TTLs allow (capped), least recently used evicted
 * first. The clock is injected so expiry is tested without waiting.
 */
final class ForwardCache {
  private record Key(Name name, int type, int dclass) {} // Name equality ignores case

  private record Entry(Message reply, long storedNanos, long expiresNanos) {}

  /** A cached upstream reply and how many whole seconds it has aged. */
  record Hit(Message reply, long ageSeconds) {}

  private final int maxEntries;
  private final long maxTtlSeconds;
  private final LongSupplier nanoClock;
  private final Map<Key, Entry> entries;

  ForwardCache(int maxEntries, long maxTtlSeconds, LongSupplier nanoClock) {
    this.maxEntries = maxEntries;
    this.maxTtlSeconds = maxTtlSeconds;
    this.nanoClock = nanoClock;
    this.entries = new LinkedHashMap<>(16, 0.75f, true);
  }

  synchronized Hit get(Record question) {
    Key key = key(question);
    Entry entry = entries.get(key);
    if (entry == null) {
      return null;
    }
    long now = nanoClock.getAsLong();
    if (now - entry.expiresNanos >= 0) {
      entries.remove(key);
      return null;
    }
    return new Hit(entry.reply, TimeUnit.NANOSECONDS.toSeconds(now - entry.storedNanos));
  }

  synchronized void put(Record question, Message reply) {
    long ttl = Math.min(cacheableSeconds(reply), maxTtlSeconds);
    if (ttl <= 0 || maxEntries == 0) {
      return;
    }
    long now = nanoClock.getAsLong();
    entries.put(key(question), new Entry(reply, now, now + TimeUnit.SECONDS.toNanos(ttl)));
    if (entries.size() > maxEntries) {
      entries.remove(entries.keySet().iterator().next()); // the least recently used
    }
  }

  /**
   * How long a reply may be reused: the smallest TTL in it, or for a negative answer the SOA's
   * negative TTL (RFC 2308). Failures and negatives without an SOA are not kept.
   */
  static long cacheableSeconds(Message reply) {
    int rcode = reply.getRcode();
    if (rcode != Rcode.NOERROR && rcode != Rcode.NXDOMAIN) {
      return 0;
    }
    if (rcode == Rcode.NOERROR && !reply.getSection(Section.ANSWER).isEmpty()) {
      long min = Long.MAX_VALUE;
      for (int section : new int[] {Section.ANSWER, Section.AUTHORITY}) {
        for (Record r : reply.getSection(section)) {
          min = Math.min(min, r.getTTL());
        }
      }
      return min;
    }
    for (Record r : reply.getSection(Section.AUTHORITY)) {
      if (r.getType() == Type.SOA) {
        return Math.min(r.getTTL(), ((SOARecord) r).getMinimum());
      }
    }
    return 0;
  }

  private static Key key(Record question) {
    return new Key(question.getName(), question.getType(), question.getDClass());
  }
}
