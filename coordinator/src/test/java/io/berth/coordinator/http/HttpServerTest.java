package io.berth.coordinator.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.coordinator.security.ClusterCa;
import io.berth.tls.TlsMaterial;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server on a real socket: plain HTTP and TLS on one port, bad requests, big files. */
class HttpServerTest {
  private static final String BUNDLE = "berth-agent-linux-x86_64.tar.gz";

  @TempDir
  Path dir;

  private ClusterCa ca;
  private final AtomicReference<Optional<TlsMaterial>> tls = new AtomicReference<>(Optional.empty());
  private final RequestCounters counters = new RequestCounters();
  private HttpServer server;
  private byte[] bundleBytes;

  @BeforeEach
  void start() throws Exception {
    ca = ClusterCa.create(dir.resolve("ca"), "test");
    tls.set(Optional.of(ca.issueMember("m1", List.of("127.0.0.1"))));
    // Bigger than any buffer on the way, not a multiple of the chunk size.
    bundleBytes = new byte[3 * 1024 * 1024 + 17];
    new SecureRandom().nextBytes(bundleBytes);
    Files.write(dir.resolve(BUNDLE), bundleBytes);
    Routes routes = new Routes(new InstallScript("SERVED_FROM=''  # @berth:served-from\nSERVED_COORDINATORS=''  # @berth:coordinators\n"),
        () -> List.of("127.0.0.1:7070"), tls::get, new AgentBundle(dir.resolve(BUNDLE)), name -> Optional.empty(),
        counters, "127.0.0.1:7080");
    server = HttpServer.start(new InetSocketAddress("127.0.0.1", 0), routes, counters, tls::get);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private String http(String path) {
    return "http://127.0.0.1:" + server.port() + path;
  }

  private String https(String path) {
    return "https://127.0.0.1:" + server.port() + path;
  }

  private static HttpClient trusting(X509Certificate caCert) throws Exception {
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    trust.setCertificateEntry("ca", caCert);
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, tmf.getTrustManagers(), null);
    return HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(5)).build();
  }

  private static HttpResponse<byte[]> get(HttpClient client, String url) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  @Test
  void plainAndTlsShareThePort() throws Exception {
    HttpClient plain = HttpClient.newHttpClient();
    HttpResponse<byte[]> health = get(plain, http("/healthz"));
    assertEquals(200, health.statusCode());
    assertEquals("ok\n", new String(health.body(), StandardCharsets.UTF_8));

    HttpResponse<byte[]> caPem = get(plain, http("/ca.crt"));
    assertEquals(ca.certificatePem(), new String(caPem.body(), StandardCharsets.UTF_8));

    HttpClient pinned = trusting(ca.certificate());
    HttpResponse<byte[]> bundle = get(pinned, https("/agent/" + BUNDLE));
    assertEquals(200, bundle.statusCode());
    assertEquals(String.valueOf(bundleBytes.length), bundle.headers().firstValue("content-length").orElseThrow());
    assertArrayEquals(bundleBytes, bundle.body(), "the bundle arrives whole over TLS");
    String sum = new String(get(pinned, https("/agent/" + BUNDLE + ".sha256")).body(), StandardCharsets.UTF_8);
    assertEquals(AgentBundle.sha256(dir.resolve(BUNDLE)) + "  " + BUNDLE + "\n", sum);

    assertArrayEquals(bundleBytes, get(plain, http("/agent/" + BUNDLE)).body(), "and over plain HTTP");
    assertEquals(2, counters.served("bundle"));
  }

  @Test
  void aClientThatDoesNotTrustTheClusterCaIsRefusedTheHandshake() throws Exception {
    ClusterCa other = ClusterCa.create(dir.resolve("other"), "other");
    HttpClient wrong = trusting(other.certificate());
    assertThrows(SSLHandshakeException.class, () -> get(wrong, https("/agent/" + BUNDLE)));
    assertEquals(0, counters.served("bundle"));
    assertEquals(200, get(HttpClient.newHttpClient(), http("/healthz")).statusCode(), "the server is still up");
  }

  @Test
  void withoutTlsMaterialTlsIsRefusedAndPlainStillWorks() throws Exception {
    tls.set(Optional.empty());
    assertThrows(IOException.class, () -> get(trusting(ca.certificate()), https("/healthz")));
    assertEquals(503, get(HttpClient.newHttpClient(), http("/ca.crt")).statusCode());
    assertEquals(200, get(HttpClient.newHttpClient(), http("/healthz")).statusCode());
  }

  @Test
  void headGivesTheLengthWithoutTheBody() throws Exception {
    String answer = raw("HEAD /agent/" + BUNDLE + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assertTrue(answer.startsWith("HTTP/1.1 200 OK"), answer);
    assertTrue(answer.contains("content-length: " + bundleBytes.length), answer);
    assertTrue(answer.endsWith("\r\n\r\n"), "no body after the headers: " + answer.length() + " bytes");
  }

  @Test
  void badRequestsGetClearAnswersAndNeverStopTheServer() throws Exception {
    String post = raw("POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
    assertTrue(post.startsWith("HTTP/1.1 405"), post);
    assertTrue(post.toLowerCase().contains("allow: get, head"), post);
    assertTrue(post.contains("only answers GET and HEAD"), post);

    String longHeader = raw("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(20_000) + "\r\n\r\n");
    assertTrue(longHeader.startsWith("HTTP/1.1 431"), longHeader);

    String longLine = raw("GET /" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: x\r\n\r\n");
    assertTrue(longLine.startsWith("HTTP/1.1 431") || longLine.startsWith("HTTP/1.1 400"), longLine);

    String body = raw("GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n" + "b".repeat(5000));
    assertTrue(body.startsWith("HTTP/1.1 413") || body.startsWith("HTTP/1.1 400"), body);

    String traversal = raw("GET /agent/%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n");
    assertTrue(traversal.startsWith("HTTP/1.1 400"), traversal);
    assertTrue(!traversal.contains("root:"), traversal);

    raw("\u0016\u0003\u0001garbage that is not a ClientHello\r\n\r\n");
    raw("NOT-HTTP\r\n\r\n");
    assertEquals(200, get(HttpClient.newHttpClient(), http("/healthz")).statusCode(), "the server survived all of it");
  }

  /** One request on a fresh connection; everything the server sent until it closed (or 5 s). */
  private String raw(String request) throws IOException {
    try (Socket s = new Socket("127.0.0.1", server.port())) {
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      try {
        out.write(request.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        s.shutdownOutput();
      } catch (IOException closedEarly) {
        // the server may answer and close before it read everything
      }
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      InputStream in = s.getInputStream();
      byte[] buf = new byte[8192];
      try {
        for (int n; (n = in.read(buf)) > 0; ) {
          got.write(buf, 0, n);
        }
      } catch (IOException resetOrTimeout) {
        // what arrived before is the answer
      }
      return got.toString(StandardCharsets.ISO_8859_1);
    }
  }
}
