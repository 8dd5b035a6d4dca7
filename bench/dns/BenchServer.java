import io.berth.dns.DnsServer;
import io.berth.dns.DnsServerOptions;
import io.berth.dns.ZoneSnapshot;
import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.Master;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/**
 * Serves the benchmark zone files with Berth's DnsServer until killed:
 * java -cp CLASSPATH BenchServer.java PORT berth.zone 10.in-addr.arpa.zone
 * SOA and NS come from the builder (as in production), everything else from the files.
 */
public class BenchServer {
  public static void main(String[] args) throws Exception {
    ZoneSnapshot.Builder b = ZoneSnapshot.builder(Name.fromString("berth."), 1);
    b.reverseZone(Name.fromString("10.in-addr.arpa."));
    for (int i = 1; i < args.length; i++) {
      try (Master zone = new Master(args[i])) {
        for (Record r = zone.nextRecord(); r != null; r = zone.nextRecord()) {
          switch (r.getType()) {
            case Type.SOA, Type.NS -> {}
            case Type.A -> b.address(r.getName(), ((ARecord) r).getAddress(), r.getTTL());
            case Type.AAAA -> b.address(r.getName(), ((AAAARecord) r).getAddress(), r.getTTL());
            default -> b.record(r);
          }
        }
      }
    }
    b.nameserver(Name.fromString("ns1.berth."), java.net.InetAddress.getLoopbackAddress());
    ZoneSnapshot snapshot = b.build();
    DnsServerOptions options = DnsServerOptions.defaults();
    String sockets = System.getenv("BERTH_UDP_SOCKETS"); // to compare socket counts
    if (sockets != null) {
      options = options.withUdpSockets(Integer.parseInt(sockets));
    }
    InetSocketAddress bind = new InetSocketAddress("127.0.0.1", Integer.parseInt(args[0]));
    try (DnsServer server = DnsServer.start(bind, () -> snapshot, options)) {
      System.out.println("berth-dns ready on " + server.port());
      new CountDownLatch(1).await();
    }
  }
}
