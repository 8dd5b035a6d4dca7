package io.berth.dns;

import static io.berth.dns.TestZone.ip;
import static io.berth.dns.TestZone.name;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

class ForwardCacheTest {
  private final AtomicLong now = new AtomicLong(1_000);
  private final ForwardCache cache = new ForwardCache(2, 60, now::get);

  private static Record question(String name) {
    return Record.newRecord(name(name), Type.A, DClass.IN);
  }

  private static Message answer(String name, long ttl) {
    Message m = new Message();
    m.getHeader().setRcode(Rcode.NOERROR);
    m.addRecord(question(name), Section.QUESTION);
    m.addRecord(new ARecord(name(name), DClass.IN, ttl, ip("192.0.2.1")), Section.ANSWER);
    return m;
  }

  private void advanceSeconds(long s) {
    now.addAndGet(TimeUnit.SECONDS.toNanos(s));
  }

  @Test
  void hitsAgeAndExpireWithTheTtl() {
    cache.put(question("a.example."), answer("a.example.", 30));
    advanceSeconds(12);
    ForwardCache.Hit hit = cache.get(question("A.EXAMPLE."));
    assertNotNull(hit, "names match regardless of case");
    assertEquals(12, hit.ageSeconds());
    advanceSeconds(18);
    assertNull(cache.get(question("a.example.")));
  }

  @Test
  void longTtlsAreCappedAtTheMaximum() {
    cache.put(question("a.example."), answer("a.example.", 86_400));
    advanceSeconds(59);
    assertNotNull(cache.get(question("a.example.")));
    advanceSeconds(1);
    assertNull(cache.get(question("a.example.")));
  }

  @Test
  void negativeAnswersLiveForTheSoaMinimumAndFailuresNotAtAll() {
    Message nx = new Message();
    nx.getHeader().setRcode(Rcode.NXDOMAIN);
    nx.addRecord(
        new SOARecord(name("example."), DClass.IN, 300, name("ns.example."),
            name("h.example."), 1, 60, 30, 600, 7),
        Section.AUTHORITY);
    assertEquals(7, ForwardCache.cacheableSeconds(nx));
    Message servfail = new Message();
    servfail.getHeader().setRcode(Rcode.SERVFAIL);
    assertEquals(0, ForwardCache.cacheableSeconds(servfail));
    Message nxWithoutSoa = new Message();
    nxWithoutSoa.getHeader().setRcode(Rcode.NXDOMAIN);
    assertEquals(0, ForwardCache.cacheableSeconds(nxWithoutSoa));
  }

  @Test
  void leastRecentlyUsedIsEvictedFirst() {
    cache.put(question("a.example."), answer("a.example.", 30));
    cache.put(question("b.example."), answer("b.example.", 30));
    cache.get(question("a.example."));
    cache.put(question("c.example."), answer("c.example.", 30));
    assertNotNull(cache.get(question("a.example.")));
    assertNull(cache.get(question("b.example.")));
    assertNotNull(cache.get(question("c.example.")));
  }
}
