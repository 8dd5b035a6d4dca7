package io.berth.agent;

import io.berth.agent.facts.NodeFactsCollector;
import io.berth.agent.health.HealthMonitor;
import io.berth.agent.reconcile.ReconcileLoop;
import io.berth.agent.reconcile.Reconciler;
import io.berth.agent.runtime.ContainerRuntime;
import io.berth.agent.runtime.DockerContainerRuntime;
import io.berth.agent.runtime.RuntimeHealth;
import io.berth.agent.session.AgentSession;
import io.berth.agent.session.CoordinatorEndpoints;
import io.berth.agent.session.JoinRefusedException;
import io.berth.agent.threads.AgentThreads;
import io.berth.agent.threads.IdleEndingPool;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires an agent together (runtime, reconcile loop, session) and runs it in the foreground.
 * Stopping the agent never stops containers: a restarted agent adopts them.
 */
public final class Agent implements AutoCloseable {

  /** Exit code when the cluster refuses this node (bad token, revoked or foreign certificate). */
  public static final int EXIT_JOIN_REFUSED = 3;
  /** Checks in flight at once; each is bounded by its timeout, so a few threads serve many tasks. */
  private static final int HEALTH_CHECK_THREADS = 4;

  private static final Logger log = LoggerFactory.getLogger(Agent.class);

  private final ContainerRuntime runtime;
  private final ReconcileLoop loop;
  private final AgentSession session;
  private final HealthMonitor healthChecks;
  private final AtomicBoolean closed = new AtomicBoolean();
  /**
   * Creates and starts, 8 at a time: each is dockerd's work, and more in flight only queue there
   * (8, 32 and 100 measured alike, docs/BENCHMARKS.md).
   */
  private final ExecutorService launches;
  /**
   * Stops of undesired containers, 32 at a time: a stop mostly waits for the process to exit
   * (up to its grace period), so a job's 100 tasks should not stop 8 by 8.
   */
  private final ExecutorService removals;

  /** A Docker agent speaking mutual TLS with {@code credentials} (its node certificate). */
  public Agent(AgentConfig config, io.grpc.ChannelCredentials credentials) {
    this(config, new DockerContainerRuntime(config.dockerHost(), config.name(), config.dataDir(),
        config.hostsFile()), AgentSession.Settings.defaults().withKeepAlive(config.keepAlive())
        .withCredentials(credentials));
  }

  /** With any runtime (tests; a hollow runtime for scale benchmarks). */
  public Agent(AgentConfig config, ContainerRuntime runtime, AgentSession.Settings settings) {
    this.runtime = runtime;
    AgentThreads threads = settings.threads();
    this.launches = IdleEndingPool.of(8, new LinkedBlockingQueue<>(), threads.named("berth-launch"));
    this.removals = IdleEndingPool.of(32, new LinkedBlockingQueue<>(), threads.named("berth-remove"));
    RuntimeHealth health = new RuntimeHealth();
    // The reconciler reports to the session, which needs the loop: break the cycle with a ref.
    AtomicReference<AgentSession> sessionRef = new AtomicReference<>();
    Reconciler reconciler = new Reconciler(runtime, changes -> {
      AgentSession s = sessionRef.get();
      if (s != null) {
        s.report(changes);
      }
    }, System::currentTimeMillis, launches, removals);
    this.loop = new ReconcileLoop(runtime, reconciler, health, config.resyncInterval(),
        Duration.ofMillis(200), Duration.ofSeconds(10), threads.named("berth-reconcile"));
    // Checks run on their own threads; verdicts go back through the loop like any state change.
    this.healthChecks = new HealthMonitor(loop::healthChanged, HEALTH_CHECK_THREADS,
        System::currentTimeMillis, threads::named);
    reconciler.withHealthChecks(healthChecks::watch);
    NodeFactsCollector facts = new NodeFactsCollector(config.name(), config.address(),
        config.labels(), runtime::version);
    this.session = new AgentSession(new CoordinatorEndpoints(config.coordinators()),
        config.token(), facts, loop, health, runtime, config.name(), settings);
    sessionRef.set(session);
  }

  /** Runs until {@link #close()} (or a refused join); returns the process exit code. */
  public int run() {
    loop.start();
    if (!loop.awaitFirstResync(Duration.ofSeconds(15))) {
      log.warn("the container runtime has not answered yet; joining anyway");
    }
    try {
      session.run();
      return 0;
    } catch (JoinRefusedException e) {
      log.error("{}", e.getMessage());
      return EXIT_JOIN_REFUSED;
    }
  }

  public AgentSession session() {
    return session;
  }

  public ReconcileLoop reconcileLoop() {
    return loop;
  }

  /** Stops the session and the loops; containers keep running. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    session.stop();
    healthChecks.close();
    loop.close();
    launches.shutdownNow();
    removals.shutdownNow();
    runtime.close();
  }
}
