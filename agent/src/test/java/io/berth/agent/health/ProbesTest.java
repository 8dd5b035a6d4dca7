package io.berth.agent.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.berth.proto.ContainerSpec;
import io.berth.proto.HealthCheck;
import io.berth.proto.PortBinding;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The TCP and HTTP probes against real local servers. */
class ProbesTest {
  private static final Duration TIMEOUT = Duration.ofMillis(500);
  private HttpServer http;
  private final CountDownLatch release = new CountDownLatch(1);

  @BeforeEach
  void startServer() throws Exception {
    http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    http.createContext("/ok", ex -> respond(ex, 200));
    http.createContext("/moved", ex -> {
      ex.getResponseHeaders().add("Location", "/elsewhere");
      respond(ex, 302);
    });
    http.createContext("/broken", ex -> respond(ex, 503));
    http.createContext("/slow", ex -> {
      try {
        release.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      respond(ex, 200);
    });
    http.setExecutor(Executors.newCachedThreadPool());
    http.start();
  }

  @AfterEach
  void stopServer() {
    release.countDown();
    http.stop(0);
  }

  private static void respond(com.sun.net.httpserver.HttpExchange ex, int code) throws java.io.IOException {
    byte[] body = ("status " + code).getBytes();
    ex.sendResponseHeaders(code, body.length);
    ex.getResponseBody().write(body);
    ex.close();
  }

  private int port() {
    return http.getAddress().getPort();
  }

  @Test
  void httpPassesOn2xxAnd3xxAndFailsOnErrors() {
    assertEquals(CheckResult.pass("GET /ok: HTTP 200"), new HttpProbe("127.0.0.1", port(), "/ok", TIMEOUT).check());
    assertEquals(CheckResult.pass("GET /moved: HTTP 302"), new HttpProbe("127.0.0.1", port(), "/moved", TIMEOUT).check());
    assertEquals(CheckResult.fail("GET /broken: HTTP 503"), new HttpProbe("127.0.0.1", port(), "/broken", TIMEOUT).check());
    assertEquals(CheckResult.fail("GET /nothing-here: HTTP 404"),
        new HttpProbe("127.0.0.1", port(), "/nothing-here", TIMEOUT).check());
  }

  @Test
  void aSlowServerFailsTheCheckWithinItsTimeout() {
    long start = System.nanoTime();
    CheckResult r = new HttpProbe("127.0.0.1", port(), "/slow", TIMEOUT).check();
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertFalse(r.passed());
    assertTrue(r.output().contains("timed out after 500 ms"), r.output());
    assertTrue(ms < 3 * TIMEOUT.toMillis(), "took " + ms + " ms");
  }

  @Test
  void httpAndTcpFailOnAPortNobodyListensOn() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    CheckResult h = new HttpProbe("127.0.0.1", closed, "/", TIMEOUT).check();
    assertFalse(h.passed());
    assertTrue(h.output().startsWith("GET http://127.0.0.1:" + closed + "/: "), h.output());
    CheckResult t = new TcpProbe("127.0.0.1", closed, TIMEOUT).check();
    assertFalse(t.passed());
    assertTrue(t.output().contains("refused"), t.output());
  }

  @Test
  void tcpPassesWhenAConnectionOpens() {
    assertTrue(new TcpProbe("127.0.0.1", port(), TIMEOUT).check().passed());
  }

  @Test
  void theProbeGoesToTheNodeAddressAndTheHostPortOfTheNamedLabel() {
    ContainerSpec spec = ContainerSpec.newBuilder().setHostAddress("127.0.0.1")
        .addPorts(PortBinding.newBuilder().setLabel("admin").setHostPort(1).setContainerPort(9000))
        .addPorts(PortBinding.newBuilder().setLabel("web").setHostPort(port()).setContainerPort(80))
        .setHealthCheck(HealthCheck.newBuilder().setType("http").setPort("web").setPath("/ok").setTimeoutMs(500))
        .build();
    Probe p = Probes.of(spec, "c1", null).orElseThrow();
    assertEquals(new HttpProbe("127.0.0.1", port(), "/ok", TIMEOUT), p);
    assertTrue(p.check().passed());
    ContainerSpec noSuchPort = spec.toBuilder()
        .setHealthCheck(spec.getHealthCheck().toBuilder().setPort("metrics")).build();
    assertTrue(Probes.of(noSuchPort, "c1", null).isEmpty());
  }
}
