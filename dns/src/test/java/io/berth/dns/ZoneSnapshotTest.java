package io.berth.dns;

import static io.berth.dns.TestZone.ip;
import static io.berth.dns.TestZone.name;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

class ZoneSnapshotTest {
  @Test
  void soaIsSynthesizedFromTheBuilder() {
    ZoneSnapshot zone =
        ZoneSnapshot.builder(name("cluster.example.com."), 7).negativeTtl(9).build();
    SOARecord soa = (SOARecord) zone.node(name("cluster.example.com.")).answer(Type.SOA).answer[0];
    assertEquals(name("ns.cluster.example.com."), soa.getHost(), "no NS given: ns.<origin>");
    assertEquals(name("hostmaster.cluster.example.com."), soa.getAdmin());
    assertEquals(7, soa.getSerial());
    assertEquals(9, soa.getMinimum());
    assertTrue(soa.getRefresh() > 0 && soa.getRetry() > 0 && soa.getExpire() > soa.getRefresh());
    assertEquals(7, zone.serial());
    assertEquals(name("cluster.example.com."), zone.origin());
  }

  @Test
  void serialBeyond32BitsWrapsInTheSoaOnly() {
    ZoneSnapshot zone = ZoneSnapshot.builder(name("berth."), (1L << 32) + 3).build();
    SOARecord soa = (SOARecord) zone.node(name("berth.")).answer(Type.SOA).answer[0];
    assertEquals(3, soa.getSerial());
    assertEquals((1L << 32) + 3, zone.serial());
  }

  @Test
  void defaultTtlAppliesEvenWhenSetAfterTheRecords() {
    ZoneSnapshot zone =
        ZoneSnapshot.builder(name("berth."), 1)
            .address(name("a.berth."), ip("10.0.0.1"))
            .defaultTtl(17)
            .build();
    assertEquals(17, zone.node(name("a.berth.")).answer(Type.A).answer[0].getTTL());
  }

  @Test
  void duplicatesCollapseAndAnRRsetHasOneTtl() {
    ZoneSnapshot zone =
        ZoneSnapshot.builder(name("berth."), 1)
            .address(name("a.berth."), ip("10.0.0.1"), 30)
            .address(name("A.berth."), ip("10.0.0.1"), 30)
            .address(name("a.berth."), ip("10.0.0.2"), 10)
            .build();
    Record[] rrset = zone.node(name("a.berth.")).answer(Type.A).answer;
    assertEquals(2, rrset.length);
    for (Record r : rrset) {
      assertEquals(10, r.getTTL(), "the lowest TTL wins so nothing is cached too long");
    }
  }

  @Test
  void emptyNonTerminalsStopAtTheApex() {
    ZoneSnapshot zone = TestZone.snapshot();
    assertTrue(zone.node(name("demo.default.berth.")).isEmptyNonTerminal());
    assertNull(zone.node(name("arpa.")), "no node above a lone reverse name");
    assertNull(zone.node(name("0.1.10.in-addr.arpa.")));
  }

  @Test
  void declaredReverseZoneOwnsUnknownAddresses() {
    ZoneSnapshot zone =
        TestZone.builder().reverseZone(name("1.10.in-addr.arpa.")).build();
    Zone holder = zone.zoneOf(name("9.9.1.10.in-addr.arpa."));
    assertEquals(name("1.10.in-addr.arpa."), holder.apex);
    assertEquals(Rcode.NXDOMAIN, holder.nxDomain.rcode);
    assertSame(holder, zone.node(name("1.0.1.10.in-addr.arpa.")).zone);
    assertTrue(zone.node(name("0.1.10.in-addr.arpa.")).isEmptyNonTerminal());
    assertNull(zone.zoneOf(name("1.0.2.10.in-addr.arpa.")));
  }

  @Test
  void ipv6ReverseNamesWork() {
    ZoneSnapshot zone =
        ZoneSnapshot.builder(name("berth."), 1)
            .reverse(ip("fd00::1"), name("h1.node.berth."))
            .build();
    Name owner =
        name("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa.");
    assertEquals(Type.PTR, zone.node(owner).answer(Type.PTR).answer[0].getType());
    assertTrue(zone.serves(owner));
  }

  @Test
  void recordsOutsideTheZoneAreRejectedWithTheName() {
    ZoneSnapshot.Builder b = ZoneSnapshot.builder(name("berth."), 1);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> b.address(name("x.example.com."), ip("10.0.0.1")));
    assertTrue(e.getMessage().contains("x.example.com."), e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> b.address(Name.fromConstantString("relative"), ip("10.0.0.1")));
    assertThrows(
        IllegalArgumentException.class,
        () -> b.record(new ARecord(name("a.berth."), DClass.CH, 5, ip("10.0.0.1"))));
    assertThrows(
        IllegalArgumentException.class, () -> b.reverseZone(name("10.example.com.")));
  }

  @Test
  void ttlsOutsideTheirRangeAreRejected() {
    ZoneSnapshot.Builder b = ZoneSnapshot.builder(name("berth."), 1);
    assertThrows(
        IllegalArgumentException.class, () -> b.address(name("a.berth."), ip("10.0.0.1"), -1));
    assertThrows(IllegalArgumentException.class, () -> b.defaultTtl(1L << 31));
    assertThrows(IllegalArgumentException.class, () -> b.negativeTtl(-5));
  }

  @Test
  void recordsAreServedAsGiven() {
    ZoneSnapshot zone =
        ZoneSnapshot.builder(name("berth."), 1)
            .record(new TXTRecord(name("t.berth."), DClass.IN, 99, "hello"))
            .build();
    Record txt = zone.node(name("t.berth.")).answer(Type.TXT).answer[0];
    assertEquals(99, txt.getTTL());
    assertEquals("\"hello\"", txt.rdataToString());
  }
}
