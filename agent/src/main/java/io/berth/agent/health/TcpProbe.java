package io.berth.agent.health;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;

/** Passes when a TCP connection to the task's published port opens within the timeout. */
public record TcpProbe(String host, int port, Duration timeout) implements Probe {

  @Override
  public CheckResult check() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), (int) Math.max(1, timeout.toMillis()));
      return CheckResult.pass("connected to " + host + ":" + port);
    } catch (java.net.SocketTimeoutException e) {
      return CheckResult.fail("connect to " + host + ":" + port + " timed out after " + timeout.toMillis() + " ms");
    } catch (IOException | RuntimeException e) {
      return CheckResult.fail("connect to " + host + ":" + port + ": " + Probes.reason(e));
    }
  }
}
