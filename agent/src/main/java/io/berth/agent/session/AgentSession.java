package io.berth.agent.session;

import io.berth.agent.threads.AgentThreads;
import io.berth.agent.reconcile.ReconcileLoop;
import io.berth.agent.reconcile.StatusSink;
import io.berth.agent.retry.Backoff;
import io.berth.agent.runtime.ContainerRuntime;
import io.berth.agent.runtime.RuntimeHealth;
import io.berth.proto.AgentMessage;
import io.berth.proto.AgentServiceGrpc;
import io.berth.proto.Assignments;
import io.berth.proto.CoordinatorMessage;
import io.berth.proto.Heartbeat;
import io.berth.proto.Hello;
import io.berth.proto.JoinRequest;
import io.berth.proto.JoinResponse;
import io.berth.proto.NodeFacts;
import io.berth.proto.TaskStatus;
import io.berth.proto.TaskStatusReport;
import io.grpc.ChannelCredentials;
import io.grpc.ConnectivityState;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's side of the conversation with the coordinators: join, hold one Session stream,
 * and when it breaks, join again (next coordinator, exponential backoff with full jitter).
 * Reconnecting never touches containers: the Hello tells the coordinator what runs, and the next
 * Assignments is reconciled like any other.
 */
public final class AgentSession implements StatusSink {

  private static final Logger log = LoggerFactory.getLogger(AgentSession.class);

  /** Timings; {@link #defaults()} are the production values. */
  public record Settings(
      Duration connectTimeout,
      Duration joinTimeout,
      Duration helloTimeout,
      Duration backoffBase,
      Duration backoffCap,
      Duration defaultHeartbeat,
      Duration keepAlive,
      ChannelCredentials credentials,
      Dialer dialer,
      AgentThreads threads) {

    public static Settings defaults() {
      return new Settings(Duration.ofSeconds(60), Duration.ofSeconds(10), Duration.ofSeconds(60),
          Duration.ofMillis(200), Duration.ofSeconds(10), Duration.ofSeconds(5),
          Duration.ZERO, null, Dialer.okHttp(), AgentThreads.platformDaemons());
    }

    public Settings withBackoff(Duration base, Duration cap) {
      return new Settings(connectTimeout, joinTimeout, helloTimeout, base, cap, defaultHeartbeat, keepAlive,
          credentials, dialer, threads);
    }

    public Settings withKeepAlive(Duration keepAlive) {
      return new Settings(connectTimeout, joinTimeout, helloTimeout, backoffBase, backoffCap, defaultHeartbeat,
          keepAlive, credentials, dialer, threads);
    }

    /**
     * How long a connection (TCP and TLS) may take before the agent tries the next coordinator.
     * Generous on purpose: a handshake still in progress on a busy coordinator is progress, and
     * abandoning it only to begin another is what collapses a large fleet's join.
     */
    public Settings withConnectTimeout(Duration connectTimeout) {
      return new Settings(connectTimeout, joinTimeout, helloTimeout, backoffBase, backoffCap,
          defaultHeartbeat, keepAlive, credentials, dialer, threads);
    }

    /** Mutual TLS with the node certificate; without it (null) plaintext, for test doubles only. */
    public Settings withCredentials(ChannelCredentials credentials) {
      return new Settings(connectTimeout, joinTimeout, helloTimeout, backoffBase, backoffCap, defaultHeartbeat,
          keepAlive, credentials, dialer, threads);
    }

    /** Where the agent's threads come from (default: daemon platform threads). */
    public Settings withThreads(AgentThreads threads) {
      return new Settings(connectTimeout, joinTimeout, helloTimeout, backoffBase, backoffCap, defaultHeartbeat,
          keepAlive, credentials, dialer, threads);
    }

    /** Another gRPC transport (default: {@link Dialer#okHttp()}). */
    public Settings withDialer(Dialer dialer) {
      return new Settings(connectTimeout, joinTimeout, helloTimeout, backoffBase, backoffCap, defaultHeartbeat,
          keepAlive, credentials, dialer, threads);
    }
  }

  private final CoordinatorEndpoints endpoints;
  private final String token;
  private final Supplier<NodeFacts> facts;
  private final ReconcileLoop loop;
  private final RuntimeHealth health;
  private final LogsResponder logs;
  private final Settings settings;
  private final ScheduledExecutorService heartbeats;
  private final ExecutorService logReaders;
  private final Object sleeper = new Object();

  private volatile boolean stopped;
  private volatile SessionStream current;
  private volatile CompletableFuture<Throwable> currentEnded;
  private volatile String nodeId = "";
  private final AtomicLong sessions = new AtomicLong();

  public AgentSession(CoordinatorEndpoints endpoints, String token, Supplier<NodeFacts> facts,
      ReconcileLoop loop, RuntimeHealth health, ContainerRuntime runtime, String nodeName,
      Settings settings) {
    this.endpoints = endpoints;
    this.token = token == null ? "" : token;
    this.facts = facts;
    this.loop = loop;
    this.health = health;
    this.logs = new LogsResponder(runtime, taskId -> loop.reconciler().containerOf(taskId),
        nodeName);
    this.settings = settings;
    this.heartbeats = Executors.newSingleThreadScheduledExecutor(settings.threads().named("berth-heartbeat"));
    // Log reads block on the runtime: keep them off the gRPC and reconcile threads.
    this.logReaders = Executors.newFixedThreadPool(2, settings.threads().named("berth-logs"));
  }

  /**
   * Holds a session until {@link #stop()}; reconnects on every failure.
   *
   * @throws JoinRefusedException when a coordinator refuses our token
   */
  public void run() {
    Backoff backoff = new Backoff(settings.backoffBase(), settings.backoffCap());
    try {
      while (!stopped) {
        String endpoint = endpoints.next();
        boolean wasGood = false;
        try {
          wasGood = serve(endpoint);
        } catch (JoinRefusedException e) {
          throw e;
        } catch (RuntimeException e) {
          log.warn("coordinator {}: {}", endpoint, describe(e));
          if (rootCause(e) instanceof java.net.ConnectException) {
            endpoints.unreachable(endpoint);
          }
        }
        endpoints.tryOthersFirst(endpoint);
        if (stopped) {
          break;
        }
        if (wasGood) {
          backoff.reset();
        }
        Duration wait = backoff.next();
        log.info("reconnecting in {} ms (attempt {})", wait.toMillis(), backoff.attempts());
        sleep(wait);
      }
    } finally {
      heartbeats.shutdownNow();
      logReaders.shutdownNow();
    }
  }

  /** Ends the session and makes {@link #run()} return. Containers are left as they are. */
  public void stop() {
    stopped = true;
    CompletableFuture<Throwable> ended = currentEnded;
    if (ended != null) {
      ended.complete(null);
    }
    synchronized (sleeper) {
      sleeper.notifyAll();
    }
  }

  /** Status changes from the reconciler; dropped while no stream is up (the Hello covers them). */
  @Override
  public void report(List<TaskStatus> changes) {
    SessionStream stream = current;
    if (stream != null && !changes.isEmpty()) {
      stream.send(AgentMessage.newBuilder()
          .setStatus(TaskStatusReport.newBuilder().addAllTasks(changes)).build());
    }
  }

  /** The id the last successful join gave us ("" before). */
  public String nodeId() {
    return nodeId;
  }

  /** How many sessions (Hello sent) this agent has opened; for tests and logs. */
  public long sessionsOpened() {
    return sessions.get();
  }

  /** @return whether the session was good enough to reset the backoff */
  private boolean serve(String endpoint) throws JoinRefusedException {
    ManagedChannel channel = channel(endpoint);
    try {
      awaitConnected(channel, endpoint);
      JoinResponse joined = join(channel, endpoint);
      nodeId = joined.getNodeId();
      if (joined.getCoordinatorsCount() > 0) {
        endpoints.refresh(joined.getCoordinatorsList());
      }
      long heartbeatMillis = joined.getHeartbeatIntervalMs() > 0
          ? Math.max(100, joined.getHeartbeatIntervalMs())
          : settings.defaultHeartbeat().toMillis();
      return holdSession(channel, endpoint, heartbeatMillis);
    } finally {
      channel.shutdownNow();
    }
  }

  /**
   * Waits until the channel is connected, TLS included, before the Join's deadline starts: under
   * a join storm a coordinator's handshakes queue for CPU, and a deadline that covered them would
   * abandon each one (work lost on both sides) only to begin it again. A connection that fails
   * (refused, reset, closed by a busy coordinator, bad certificate) ends the wait at once: the
   * Join then fails fast with that error, and the agent backs off and tries the next coordinator.
   */
  private void awaitConnected(ManagedChannel channel, String endpoint) {
    long deadline = System.nanoTime() + settings.connectTimeout().toNanos();
    ConnectivityState state = channel.getState(true);
    while (state != ConnectivityState.READY) {
      if (state == ConnectivityState.TRANSIENT_FAILURE) {
        return; // the Join fails at once, with the connection's own error
      }
      if (state == ConnectivityState.SHUTDOWN) {
        throw Status.CANCELLED.withDescription("channel to " + endpoint + " shut down").asRuntimeException();
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw Status.DEADLINE_EXCEEDED.withDescription("no connection to " + endpoint + " within "
            + settings.connectTimeout().toSeconds() + " s").asRuntimeException();
      }
      if (stopped) {
        throw Status.CANCELLED.withDescription("agent stopping").asRuntimeException();
      }
      CountDownLatch changed = new CountDownLatch(1);
      channel.notifyWhenStateChanged(state, changed::countDown);
      try {
        // Wakes at least once a second to notice stop().
        changed.await(Math.min(left, TimeUnit.SECONDS.toNanos(1)), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw Status.CANCELLED.withDescription("interrupted").asRuntimeException();
      }
      state = channel.getState(true);
    }
  }

  private JoinResponse join(ManagedChannel channel, String endpoint) {
    try {
      return AgentServiceGrpc.newBlockingStub(channel)
          .withDeadlineAfter(settings.joinTimeout().toMillis(), TimeUnit.MILLISECONDS)
          .join(JoinRequest.newBuilder().setToken(token).setFacts(facts.get()).build());
    } catch (StatusRuntimeException e) {
      Status.Code code = e.getStatus().getCode();
      if (code == Status.Code.UNAUTHENTICATED || code == Status.Code.PERMISSION_DENIED) {
        throw new JoinRefusedException("coordinator " + endpoint + " refused this node ("
            + code + (e.getStatus().getDescription() == null ? ""
                : ": " + e.getStatus().getDescription())
            + ")", e);
      }
      throw e;
    }
  }

  private boolean holdSession(ManagedChannel channel, String endpoint, long heartbeatMillis) {
    CompletableFuture<Throwable> ended = new CompletableFuture<>();
    AtomicReference<SessionStream> streamRef = new AtomicReference<>();
    AtomicBoolean heardFromCoordinator = new AtomicBoolean();
    AssignedTasks assigned = new AssignedTasks();
    StreamObserver<CoordinatorMessage> inbound = new StreamObserver<>() {
      @Override
      public void onNext(CoordinatorMessage message) {
        heardFromCoordinator.set(true);
        onCoordinatorMessage(message, streamRef.get(), assigned);
      }

      @Override
      public void onError(Throwable t) {
        ended.complete(t);
      }

      @Override
      public void onCompleted() {
        ended.complete(null);
      }
    };
    currentEnded = ended;
    if (stopped) {
      return false;
    }
    SessionStream stream = new SessionStream(AgentServiceGrpc.newStub(channel).session(inbound));
    streamRef.set(stream);
    long openedAt = System.nanoTime();
    ScheduledFuture<?> heartbeat = null;
    try {
      sendHello(stream);
      sessions.incrementAndGet();
      log.info("session open with coordinator {} as node {} (heartbeat every {} ms)", endpoint,
          nodeId, heartbeatMillis);
      AtomicLong seq = new AtomicLong();
      heartbeat = heartbeats.scheduleAtFixedRate(() -> {
        RuntimeHealth.Snapshot h = health.snapshot();
        stream.send(AgentMessage.newBuilder().setHeartbeat(Heartbeat.newBuilder()
            .setSeq(seq.incrementAndGet())
            .setRuntimeHealthy(h.healthy())
            .setRuntimeError(h.error())).build());
      }, heartbeatMillis, heartbeatMillis, TimeUnit.MILLISECONDS);
      Throwable cause = ended.join();
      if (!stopped) {
        log.warn("session with coordinator {} ended: {}", endpoint,
            cause == null ? "closed by the coordinator" : describe(cause));
      }
    } finally {
      current = null;
      if (heartbeat != null) {
        heartbeat.cancel(false);
      }
      stream.close(null);
    }
    long lastedMillis = (System.nanoTime() - openedAt) / 1_000_000;
    return heardFromCoordinator.get() || lastedMillis >= heartbeatMillis;
  }

  /**
   * Sends the Hello from the reconcile thread and only then lets reports through, so no state
   * change can fall between the snapshot in the Hello and the first report after it.
   */
  private void sendHello(SessionStream stream) {
    CompletableFuture<Boolean> sent = loop.call(reconciler -> {
      RuntimeHealth.Snapshot h = health.snapshot();
      boolean ok = stream.send(AgentMessage.newBuilder().setHello(Hello.newBuilder()
          .setNodeId(nodeId)
          .setTakesAssignmentChanges(true)
          .setToken(token)
          .setFacts(facts.get())
          .addAllTasks(reconciler.statuses())
          .setRuntimeHealthy(h.healthy())
          .setRuntimeError(h.error())).build());
      if (ok) {
        current = stream;
      }
      return ok;
    });
    try {
      if (!sent.get(settings.helloTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException("the session stream closed before the Hello was sent");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while sending the Hello", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot send the Hello: " + e, e);
    }
  }

  private void onCoordinatorMessage(CoordinatorMessage message, SessionStream stream, AssignedTasks assigned) {
    switch (message.getBodyCase()) {
      case ASSIGNMENTS:
        Assignments a = message.getAssignments();
        log.debug("assignments version {}: {} tasks{}", a.getVersion(), a.getTasksCount(),
            a.getChangesOnly() ? " added, " + a.getRemovedTaskIdsCount() + " removed" : "");
        assigned.apply(a).ifPresentOrElse(loop::setDesired, () -> log.warn(
            "ignoring assignment changes (version {}) that came before any whole set on this stream", a.getVersion()));
        break;
      case LOGS_REQUEST:
        if (stream != null) {
          logReaders.execute(() -> logs.respond(message.getLogsRequest(), stream::send));
        }
        break;
      case COORDINATORS:
        if (message.getCoordinators().getEndpointsCount() > 0) {
          endpoints.refresh(message.getCoordinators().getEndpointsList());
        }
        break;
      default:
        log.debug("ignoring a coordinator message of kind {}", message.getBodyCase());
    }
  }

  private ManagedChannel channel(String endpoint) {
    ManagedChannelBuilder<?> builder = settings.dialer().channel(endpoint,
        settings.credentials() != null ? settings.credentials() : InsecureChannelCredentials.create());
    if (!settings.keepAlive().isZero()) {
      // Detects a coordinator host that vanished without closing TCP. The server must permit
      // pings this often (NettyServerBuilder.permitKeepAliveTime), or it will send GOAWAY.
      builder.keepAliveTime(settings.keepAlive().toMillis(), TimeUnit.MILLISECONDS)
          .keepAliveTimeout(10, TimeUnit.SECONDS);
    }
    return builder.build();
  }

  private void sleep(Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    synchronized (sleeper) {
      while (!stopped) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return;
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(sleeper, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          stopped = true;
          return;
        }
      }
    }
  }

  private static Throwable rootCause(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root;
  }

  /** One line: the gRPC status and the root cause, no stack trace (these repeat on retries). */
  static String describe(Throwable e) {
    Throwable root = rootCause(e);
    String rootText = root == e ? "" : " (" + root.getClass().getSimpleName() + ": "
        + root.getMessage() + ")";
    if (e instanceof StatusRuntimeException || e instanceof io.grpc.StatusException) {
      Status s = Status.fromThrowable(e);
      return s.getCode() + (s.getDescription() == null ? "" : ": " + s.getDescription())
          + rootText;
    }
    return e.toString() + rootText;
  }
}
