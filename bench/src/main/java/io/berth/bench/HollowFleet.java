package io.berth.bench;

import io.berth.agent.Agent;
import io.berth.agent.AgentConfig;
import io.berth.agent.session.AgentSession;
import io.berth.agent.enrol.EnrolmentRefused;
import io.berth.agent.enrol.NodeCredential;
import io.berth.agent.enrol.NodeEnrolment;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Many hollow agents in this JVM, each with its own session to the coordinators. Their
 * addresses are in 127.0.0.0/8 and are only ever used as facts: no traffic goes to them.
 */
final class HollowFleet implements AutoCloseable {
  private final List<Agent> agents = new ArrayList<>();
  private final List<Thread> threads = new ArrayList<>();
  private final ScheduledExecutorService timer = Executors.newScheduledThreadPool(2);

  /** Enrols every hollow node (a CSR each, as a real agent's first start does) before any starts. */
  HollowFleet(List<String> coordinators, String token, int nodes, String prefix, Path dataDir, long startDelayMs)
      throws IOException, EnrolmentRefused {
    for (int i = 0; i < nodes; i++) {
      String address = "127.1." + (i / 250) + "." + (1 + i % 250);
      AgentConfig config = new AgentConfig(coordinators, token, URI.create("unix:///hollow"), address,
          prefix + i, Map.of("rack", "r" + (i % 10)), dataDir.resolve(prefix + i), Path.of("/etc/hosts"),
          Duration.ofSeconds(60), Duration.ZERO);
      NodeCredential credential = new NodeCredential(config.dataDir());
      NodeEnrolment.ensure(credential, coordinators, token, null, config.name());
      // Netty: thousands of sessions in one JVM share its event loops (OkHttp, the agent process's
      // transport, would take a reader thread each).
      agents.add(new Agent(config, new HollowRuntime(timer, startDelayMs),
          AgentSession.Settings.defaults().withCredentials(credential.channelCredentials())
              .withDialer(NettyChannelBuilder::forTarget)));
    }
  }

  void start() {
    for (Agent a : agents) {
      Thread t = new Thread(a::run, "hollow-" + threads.size());
      t.setDaemon(true);
      t.start();
      threads.add(t);
    }
  }

  @Override
  public void close() {
    agents.parallelStream().forEach(Agent::close);
    timer.shutdownNow();
  }
}
