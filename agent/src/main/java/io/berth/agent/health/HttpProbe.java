package io.berth.agent.health;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URL;
import java.time.Duration;

/**
 * Passes when a GET of the path answers 2xx or 3xx (redirects are not followed: a redirect means
 * the server is up). The timeout bounds the connect and the wait for the status line each.
 */
public record HttpProbe(String host, int port, String path, Duration timeout) implements Probe {

  @Override
  public CheckResult check() {
    String target = "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port + path;
    HttpURLConnection c = null;
    try {
      URL url = URI.create(target).toURL();
      c = (HttpURLConnection) url.openConnection();
      int ms = (int) Math.max(1, timeout.toMillis());
      c.setConnectTimeout(ms);
      c.setReadTimeout(ms);
      c.setInstanceFollowRedirects(false);
      c.setUseCaches(false);
      c.setRequestProperty("User-Agent", "berth-health-check");
      c.setRequestProperty("Connection", "close");
      int code = c.getResponseCode();
      drain(code >= 400 ? c.getErrorStream() : c.getInputStream());
      String line = "GET " + path + ": HTTP " + code;
      return code >= 200 && code < 400 ? CheckResult.pass(line) : CheckResult.fail(line);
    } catch (java.net.SocketTimeoutException e) {
      return CheckResult.fail("GET " + target + " timed out after " + timeout.toMillis() + " ms");
    } catch (IOException | RuntimeException e) {
      return CheckResult.fail("GET " + target + ": " + Probes.reason(e));
    } finally {
      if (c != null) {
        c.disconnect();
      }
    }
  }

  /** Reads a little of the body so the connection ends cleanly; the rest is dropped with it. */
  private static void drain(InputStream in) throws IOException {
    if (in == null) {
      return;
    }
    try (in) {
      in.readNBytes(4096);
    }
  }
}
