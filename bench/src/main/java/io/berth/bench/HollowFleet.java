package io.berth.bench;

import io.berth.agent.Agent;
import io.berth.agent.AgentConfig;
import io.berth.agent.enrol.EnrolmentRefused;
import io.berth.agent.enrol.NodeCredential;
import io.berth.agent.enrol.NodeEnrolment;
import io.berth.agent.session.AgentSession;
import io.berth.agent.threads.AgentThreads;
import io.berth.agent.session.Dialer;
import io.berth.tls.GrpcTls;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import javax.net.ssl.SSLException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ThreadFactory;
import java.util.stream.IntStream;

/**
 * Many hollow agents in this JVM, each with its own session to the coordinators. Their
 * addresses are in 127.0.0.0/8 and are only ever used as facts: no traffic goes to them.
 * Node {@code i} (0-based over the whole fleet, whichever JVM holds it) is named
 * {@code prefix + i}, so several JVMs can share one fleet.
 */
final class HollowFleet implements AutoCloseable {
  private final List<Agent> agents;
  private final AgentThreads threads;

  /** Enrols nodes first..first+count-1 (a CSR each, as a real agent's first start does) before any starts. */
  HollowFleet(List<String> coordinators, String token, int first, int count, String prefix, Path dataDir,
      long startDelayMs, AgentThreads threads) throws IOException, EnrolmentRefused {
    this.threads = threads;
    // Enrolment is one round trip and a signature each: a few at once keep the coordinators busy.
    ForkJoinPool enrolling = new ForkJoinPool(4);
    try {
      agents = enrolling.submit(() -> IntStream.range(first, first + count).parallel()
          .mapToObj(i -> agent(coordinators, token, i, prefix, dataDir, startDelayMs)).toList()).get();
    } catch (Exception e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      if (cause.getCause() instanceof EnrolmentRefused refused) {
        throw refused;
      }
      throw new IOException("enrolment failed: " + cause, cause);
    } finally {
      enrolling.shutdown();
    }
  }

  private Agent agent(List<String> coordinators, String token, int i, String prefix, Path dataDir, long startDelayMs) {
    String address = "127.1." + (i / 250) + "." + (1 + i % 250);
    AgentConfig config = new AgentConfig(coordinators, token, URI.create("unix:///hollow"), address,
        prefix + i, Map.of("rack", "r" + (i % 10)), dataDir.resolve(prefix + i), Path.of("/etc/hosts"),
        Duration.ofSeconds(60), Duration.ZERO);
    NodeCredential credential = new NodeCredential(config.dataDir());
    try {
      NodeEnrolment.ensure(credential, coordinators, token, null, config.name());
      // Netty: thousands of sessions in one JVM share its event loops (OkHttp, the agent process's
      // transport, would take a reader thread each).
      return new Agent(config, new HollowRuntime(startDelayMs),
          AgentSession.Settings.defaults().withCredentials(credential.channelCredentials())
              .withDialer(reusingTls(credential)).withThreads(threads));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (EnrolmentRefused e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A Netty dialer that builds the agent's TLS context once. gRPC builds a new one from the
   * channel credentials for every channel, that is for every connection attempt: while
   * coordinators turn away handshakes over their limit, 2,500 hollow agents retrying in one JVM
   * spent most of the fleet's CPU there (JFR), CPU that each real agent spends on a host of its
   * own. The coordinators see the same handshakes either way.
   */
  private static Dialer reusingTls(NodeCredential credential) {
    SslContext context;
    try {
      context = GrpcSslContexts.forClient()
          .keyManager(GrpcTls.keyManager(credential::current))
          .trustManager(GrpcTls.trusting(credential.current().ca())[0])
          .build();
    } catch (SSLException e) {
      throw new IllegalStateException("cannot build a hollow agent's TLS context", e);
    }
    return (target, ignored) -> NettyChannelBuilder.forTarget(target).sslContext(context);
  }

  int size() {
    return agents.size();
  }

  /**
   * Starts the agents, {@code perSecond} a second (0: all at once). Ten thousand TLS handshakes
   * begun in the same second on two cores cannot finish within the agents' 10 s deadlines, which
   * then start them all again: a fleet rolled out at a rate is what this measures instead.
   */
  void start(double perSecond) throws InterruptedException {
    ThreadFactory runners = threads.named("hollow-agent");
    long t0 = System.nanoTime();
    for (int i = 0; i < agents.size(); i++) {
      if (perSecond > 0) {
        long due = t0 + (long) (i * 1e9 / perSecond);
        long wait = due - System.nanoTime();
        if (wait > 0) {
          Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
      }
      runners.newThread(agents.get(i)::run).start();
    }
  }

  @Override
  public void close() {
    agents.parallelStream().forEach(Agent::close);
  }

  /**
   * Virtual threads where the JVM has them (Java 21 and later; looked up by reflection, since
   * the project builds for 17), else daemon platform threads: 10,000 agents take 3 or 4 threads
   * each, more than the kernel's default pid_max of 32,768 allows as platform threads.
   */
  static AgentThreads lightestThreads() {
    try {
      java.lang.reflect.Method ofVirtual = Thread.class.getMethod("ofVirtual");
      Class<?> builder = Class.forName("java.lang.Thread$Builder");
      java.lang.reflect.Method name = builder.getMethod("name", String.class);
      java.lang.reflect.Method factory = builder.getMethod("factory");
      return n -> {
        try {
          return (ThreadFactory) factory.invoke(name.invoke(ofVirtual.invoke(null), n));
        } catch (ReflectiveOperationException e) {
          throw new IllegalStateException(e);
        }
      };
    } catch (ReflectiveOperationException e) {
      return AgentThreads.platformDaemons();
    }
  }

  static boolean virtualThreads() {
    try {
      Thread.class.getMethod("ofVirtual");
      return true;
    } catch (NoSuchMethodException e) {
      return false;
    }
  }
}
