package io.berth.agent.session;

import io.berth.agent.Agent;
import io.berth.agent.AgentConfig;
import io.berth.agent.runtime.ContainerRuntime;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** Runs an {@link Agent} on a background thread for a test. */
final class AgentHarness implements AutoCloseable {

  final Agent agent;
  final CompletableFuture<Integer> exit = new CompletableFuture<>();

  AgentHarness(List<String> coordinators, String token, ContainerRuntime runtime, Path dataDir) {
    this(coordinators, token, runtime, dataDir, "h1");
  }

  AgentHarness(List<String> coordinators, String token, ContainerRuntime runtime, Path dataDir,
      String nodeName) {
    AgentConfig config = new AgentConfig(coordinators, token,
        URI.create("unix:///var/run/docker.sock"), "127.0.0.1", nodeName, Map.of("rack", "r1"),
        dataDir, Path.of("/etc/hosts"), Duration.ofSeconds(10), Duration.ZERO);
    // Short backoff so reconnects happen within a test's patience.
    this.agent = new Agent(config, runtime, AgentSession.Settings.defaults()
        .withBackoff(Duration.ofMillis(50), Duration.ofMillis(500)));
    Thread t = new Thread(() -> {
      try {
        exit.complete(agent.run());
      } catch (Throwable e) {
        exit.completeExceptionally(e);
      }
    }, "test-agent");
    t.setDaemon(true);
    t.start();
  }

  @Override
  public void close() {
    agent.close();
  }
}
