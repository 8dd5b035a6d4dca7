package io.berth.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The server as a real client sees it: ISC dig over UDP and TCP. Skipped where dig is missing,
 * except on CI (CI=true), where a missing dig is a broken environment and fails.
 */
class DigConformanceTest {
  private static DnsServer server;

  @BeforeAll
  static void start() throws InterruptedException {
    if (!digInstalled()) {
      String why = "dig is not installed (Debian: apt-get install dnsutils); skipping dig tests";
      if ("true".equals(System.getenv("CI"))) {
        fail(why + ", but CI=true requires them");
      }
      Assumptions.abort(why);
    }
    ZoneSnapshot.Builder b = TestZone.builder();
    for (int i = 1; i <= 100; i++) {
      b.address(TestZone.name("big.berth."), TestZone.ip("10.9.0." + i));
    }
    ZoneSnapshot zone = b.build();
    server =
        DnsServer.start(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
            () -> zone,
            DnsServerOptions.defaults().withZoneTransfers(ClientNetworks.of("127.0.0.1")));
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void addressOverUdpAndTcp() throws Exception {
    for (String transport : new String[] {"+notcp", "+tcp"}) {
      String out = dig("0.web.demo.default.berth.", "A", transport);
      assertTrue(out.contains("status: NOERROR"), out);
      assertTrue(out.matches("(?s).*flags: qr aa[ ;].*"), out);
      assertTrue(
          out.matches("(?s).*0\\.web\\.demo\\.default\\.berth\\.\\s+5\\s+IN\\s+A\\s+10\\.1\\.0\\.1.*"),
          out);
    }
  }

  @Test
  void nxDomainAndNoDataCarryTheSoa() throws Exception {
    String nx = dig("2.web.demo.default.berth.", "A", "+tcp");
    assertTrue(nx.contains("status: NXDOMAIN"), nx);
    assertTrue(nx.matches("(?s).*AUTHORITY SECTION:\\s+berth\\.\\s+5\\s+IN\\s+SOA\\s+ns1\\.berth\\..*"), nx);
    String noData = dig("demo.default.berth.", "A", "+notcp");
    assertTrue(noData.contains("status: NOERROR"), noData);
    assertTrue(noData.contains("ANSWER: 0"), noData);
    assertTrue(noData.contains("AUTHORITY: 1"), noData);
  }

  @Test
  void questionCaseIsEchoed() throws Exception {
    String out = dig("0.WEB.demo.Default.berth.", "A", "+notcp");
    assertTrue(out.contains(";0.WEB.demo.Default.berth.\t"), out);
    assertTrue(out.contains("10.1.0.1"), out);
  }

  @Test
  void ednsIsEchoedAndOutsideNamesRefused() throws Exception {
    String out = dig("example.com.", "A", "+edns=0");
    assertTrue(out.contains("status: REFUSED"), out);
    assertTrue(out.contains("OPT PSEUDOSECTION"), out);
    assertTrue(out.contains("udp: " + Responder.MAX_UDP_PAYLOAD), out);
  }

  @Test
  void reverseLookup() throws Exception {
    String out = dig("-x", "10.1.0.1", "+tcp");
    assertTrue(out.contains("status: NOERROR"), out);
    assertTrue(out.matches("(?s).*PTR\\s+0\\.web\\.demo\\.default\\.berth\\..*"), out);
  }

  @Test
  void axfrOverTcp() throws Exception {
    String out = dig("berth.", "AXFR");
    long soas = out.lines().filter(l -> l.matches("berth\\.\\s+5\\s+IN\\s+SOA.*")).count();
    assertEquals(2, soas, out);
    assertTrue(out.contains("XFR size: 110 records"), out);
  }

  @Test
  void anyIsAnsweredMinimally() throws Exception {
    String out = dig("berth.", "ANY", "+tcp");
    assertTrue(out.contains("ANSWER: 1,"), out);
  }

  @Test
  void largeAnswerIsTruncatedOverUdpAndWholeOverTcp() throws Exception {
    String udp = dig("big.berth.", "A", "+notcp", "+ignore", "+noedns");
    assertTrue(udp.matches("(?s).*flags: qr aa tc[ ;].*"), udp);
    String tcp = dig("big.berth.", "A", "+tcp");
    assertTrue(tcp.contains("ANSWER: 100,"), tcp);
    assertTrue(dig("big.berth.", "A").contains("ANSWER: 100,"), "dig itself retries over TCP");
  }

  @Test
  void unknownEdnsVersionIsBadVers() throws Exception {
    String out = dig("berth.", "SOA", "+edns=1", "+noednsnegotiation");
    assertTrue(out.contains("status: BADVERS"), out);
  }

  @Test
  void srvAndNsCarryAddressesInTheAdditionalSection() throws Exception {
    String srv = dig("_http._tcp.web.demo.default.berth.", "SRV");
    assertTrue(srv.matches("(?s).*ADDITIONAL SECTION:\\s+0\\.web\\.demo\\.default\\.berth\\.\\s+5\\s+IN\\s+A\\s+10\\.1\\.0\\.1.*"), srv);
    String ns = dig("berth.", "NS", "+tcp");
    assertTrue(ns.matches("(?s).*ADDITIONAL SECTION:\\s+ns1\\.berth\\.\\s+5\\s+IN\\s+A\\s+10\\.0\\.0\\.1.*"), ns);
  }

  private static String dig(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("dig", "@127.0.0.1", "-p", "" + server.port()));
    command.addAll(List.of(args));
    command.addAll(List.of("+time=3", "+tries=1", "+nocookie"));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    // dig gives up by itself after +time; read to its end first so a full pipe cannot stall it.
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(20, TimeUnit.SECONDS), "dig did not finish: " + command);
    assertEquals(0, p.exitValue(), out);
    return out;
  }

  private static boolean digInstalled() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (Files.isExecutable(Path.of(dir, "dig"))) {
        return true;
      }
    }
    return false;
  }
}
