package io.berth.dns;

import static io.berth.dns.TestZone.ip;
import static io.berth.dns.TestZone.name;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;
import org.xbill.DNS.ZoneTransferException;
import org.xbill.DNS.ZoneTransferIn;

/** AXFR/IXFR as dnsjava's secondary-side client performs them. */
class ZoneTransferTest {
  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  private static DnsServer serve(ZoneSnapshot zone, ClientNetworks secondaries)
      throws InterruptedException {
    return DnsServer.start(
        new InetSocketAddress(LOOPBACK, 0),
        () -> zone,
        DnsServerOptions.defaults().withZoneTransfers(secondaries));
  }

  private static List<Record> axfr(DnsServer server, Name zone) throws Exception {
    ZoneTransferIn transfer =
        ZoneTransferIn.newAXFR(zone, new InetSocketAddress(LOOPBACK, server.port()), null);
    transfer.setTimeout(Duration.ofSeconds(10));
    transfer.run();
    return transfer.getAXFR();
  }

  @Test
  void axfrSendsTheWholeZoneBetweenTwoSoas() throws Exception {
    try (DnsServer server = serve(TestZone.snapshot(), ClientNetworks.of("127.0.0.0/8"))) {
      List<Record> records = axfr(server, name("berth."));
      assertEquals(Type.SOA, records.get(0).getType());
      assertEquals(Type.SOA, records.get(records.size() - 1).getType());
      Set<String> body =
          records.subList(1, records.size() - 1).stream()
              .map(r -> r.getName() + " " + Type.string(r.getType()) + " " + r.rdataToString())
              .collect(Collectors.toSet());
      assertEquals(
          Set.of(
              "berth. NS ns1.berth.",
              "ns1.berth. A 10.0.0.1",
              "0.web.demo.default.berth. A 10.1.0.1",
              "1.web.demo.default.berth. A 10.1.0.2",
              "web.demo.default.berth. A 10.1.0.1",
              "web.demo.default.berth. A 10.1.0.2",
              "h1.node.berth. AAAA fd00:0:0:0:0:0:0:1",
              "_http._tcp.web.demo.default.berth. SRV 0 0 8080 0.web.demo.default.berth."),
          body);
      assertEquals(10, records.size(), "nothing twice");
    }
  }

  @Test
  void aReverseZoneTransfersOnItsOwn() throws Exception {
    try (DnsServer server = serve(TestZone.snapshot(), ClientNetworks.of("127.0.0.1"))) {
      List<Record> records = axfr(server, name("1.0.1.10.in-addr.arpa."));
      assertEquals(
          List.of(Type.SOA, Type.NS, Type.PTR, Type.SOA),
          records.stream().map(Record::getType).collect(Collectors.toList()));
    }
  }

  @Test
  void aLargeZoneSpansSeveralMessagesAndArrivesWhole() throws Exception {
    ZoneSnapshot.Builder b = ZoneSnapshot.builder(name("berth."), 9);
    for (int i = 0; i < 5_000; i++) {
      b.address(name("t" + i + ".big.berth."), ip("10.2." + (i / 256) + "." + (i % 256)));
    }
    try (DnsServer server = serve(b.build(), ClientNetworks.of("127.0.0.1"))) {
      List<Record> records = axfr(server, name("berth."));
      assertEquals(5_000 + 2, records.size()); // no NS: none was given
    }
  }

  @Test
  void ixfrFromACurrentSecondaryGetsJustTheSoa() throws Exception {
    try (DnsServer server = serve(TestZone.snapshot(), ClientNetworks.of("127.0.0.1"))) {
      InetSocketAddress address = new InetSocketAddress(LOOPBACK, server.port());
      ZoneTransferIn current =
          ZoneTransferIn.newIXFR(name("berth."), TestZone.SERIAL, false, address, null);
      current.run();
      assertTrue(current.isCurrent());
      ZoneTransferIn behind =
          ZoneTransferIn.newIXFR(name("berth."), TestZone.SERIAL - 1, true, address, null);
      behind.run();
      assertTrue(behind.isAXFR(), "no history kept: the whole zone, as RFC 1995 allows");
      assertEquals(10, behind.getAXFR().size());
    }
  }

  @Test
  void secondariesAreNotifiedWhenTheSerialChanges() throws Exception {
    AtomicReference<ZoneSnapshot> view = new AtomicReference<>(TestZone.snapshot());
    try (DatagramSocket secondary = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0));
        DnsServer server =
            DnsServer.start(
                new InetSocketAddress(LOOPBACK, 0),
                view::get,
                DnsServerOptions.defaults()
                    .withNotifyTargets(
                        List.of(new InetSocketAddress(LOOPBACK, secondary.getLocalPort()))))) {
      secondary.setSoTimeout(10_000); // the server checks the serial every second
      view.set(ZoneSnapshot.builder(name("berth."), 43).build());
      DatagramPacket packet = new DatagramPacket(new byte[512], 512);
      secondary.receive(packet);
      Message notify = new Message(Arrays.copyOf(packet.getData(), packet.getLength()));
      assertEquals(Opcode.NOTIFY, notify.getHeader().getOpcode());
      assertTrue(notify.getHeader().getFlag(Flags.AA));
      assertEquals(name("berth."), notify.getQuestion().getName());
      assertEquals(Type.SOA, notify.getQuestion().getType());
      assertEquals(43, ((SOARecord) notify.getSection(Section.ANSWER).get(0)).getSerial());
      assertEquals(server.port(), packet.getPort(), "sent from the DNS port");
    }
  }

  @Test
  void loneReverseNamesAreNotZonesToNotify() {
    ZoneSnapshot zone =
        TestZone.builder()
            .reverseZone(name("2.10.in-addr.arpa."))
            .reverse(ip("10.2.0.1"), name("h1.node.berth."))
            .build();
    assertEquals(
        Set.of(name("berth."), name("2.10.in-addr.arpa.")),
        zone.transferableZones().stream().map(z -> z.apex).collect(Collectors.toSet()));
    assertTrue(zone.serves(name("1.0.1.10.in-addr.arpa.")), "the lone name is still served");
  }

  @Test
  void othersAndNonApexNamesAreRefused() throws Exception {
    try (DnsServer closed = serve(TestZone.snapshot(), ClientNetworks.of("10.0.0.0/8"))) {
      assertThrows(ZoneTransferException.class, () -> axfr(closed, name("berth.")));
    }
    try (DnsServer open = serve(TestZone.snapshot(), ClientNetworks.of("127.0.0.1"))) {
      assertThrows(ZoneTransferException.class, () -> axfr(open, name("node.berth.")));
    }
  }
}
