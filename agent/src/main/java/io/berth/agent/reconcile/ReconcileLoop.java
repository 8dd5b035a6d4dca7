package io.berth.agent.reconcile;

import io.berth.agent.retry.Backoff;
import io.berth.agent.runtime.ContainerEvent;
import io.berth.agent.runtime.ContainerRuntime;
import io.berth.agent.runtime.RuntimeHealth;
import io.berth.agent.runtime.RuntimeUnavailableException;
import io.berth.proto.ContainerSpec;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives a {@link Reconciler} from one thread: new desired sets, runtime events (the primary
 * source of state) and a periodic full resync (which heals missed events). When the runtime is
 * unreachable it marks it unhealthy, keeps everything it knows, and retries with backoff; the
 * first successful resync afterwards catches up.
 */
public final class ReconcileLoop implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ReconcileLoop.class);
  /** Event actions that can change what a container's state is; others (exec, attach) cannot. */
  private static final Set<String> STATE_ACTIONS = Set.of(
      "create", "start", "restart", "die", "stop", "kill", "destroy", "oom", "pause", "unpause");
  /** Events are asked for from a little before the last attach, to cover clock steps. */
  private static final long EVENTS_OVERLAP_MILLIS = 2_000;

  private final ContainerRuntime runtime;
  private final Reconciler reconciler;
  private final RuntimeHealth health;
  private final Duration resyncInterval;
  private final Backoff resyncBackoff;
  private final Backoff eventsBackoff;
  private final ScheduledExecutorService thread;

  private ScheduledFuture<?> nextResync;
  private long nextResyncAt = Long.MAX_VALUE;
  private AutoCloseable events;
  private volatile long eventsSinceMillis;
  private volatile boolean closed;
  private final CompletableFuture<Void> firstResync = new CompletableFuture<>();
  /**
   * Events not yet handled: container id to its actions. A burst (a node given 100 tasks sees
   * 200 create and start events) is handled in one pass instead of one pass per event.
   */
  private final Map<String, Set<String>> pendingEvents = new LinkedHashMap<>();

  public ReconcileLoop(ContainerRuntime runtime, Reconciler reconciler, RuntimeHealth health,
      Duration resyncInterval, Duration backoffBase, Duration backoffCap) {
    this(runtime, reconciler, health, resyncInterval, backoffBase, backoffCap, r -> {
      Thread t = new Thread(r, "berth-reconcile");
      t.setDaemon(true);
      return t;
    });
  }

  /** With the loop's one thread made by {@code threads}. */
  public ReconcileLoop(ContainerRuntime runtime, Reconciler reconciler, RuntimeHealth health,
      Duration resyncInterval, Duration backoffBase, Duration backoffCap, ThreadFactory threads) {
    this.runtime = runtime;
    this.reconciler = reconciler;
    this.health = health;
    this.resyncInterval = resyncInterval;
    this.resyncBackoff = new Backoff(backoffBase, backoffCap);
    this.eventsBackoff = new Backoff(backoffBase, backoffCap);
    ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, threads);
    // On close, pending retries and resyncs are dropped instead of waited for.
    executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    executor.setRemoveOnCancelPolicy(true);
    this.thread = executor;
  }

  /** Attaches to events, then lists what is there (events first, so nothing falls between). */
  public void start() {
    eventsSinceMillis = System.currentTimeMillis() - EVENTS_OVERLAP_MILLIS;
    thread.execute(this::attachEvents);
    scheduleResync(0);
  }

  /** A new desired set from the coordinator (always the whole set). */
  public void setDesired(Map<String, ContainerSpec> tasks) {
    thread.execute(() -> guarded(() -> reconciler.setDesired(tasks)));
  }

  /** A task's health verdict changed (from a check thread): recorded and reported in order. */
  public void healthChanged(String taskId, String containerId, io.berth.proto.TaskHealth health, String output) {
    onLoopThread(() -> guarded(() -> reconciler.healthChanged(taskId, containerId, health, output)));
  }

  /** Asks for a resync now (e.g. a test, or a hint that something changed). */
  public void resyncNow() {
    thread.execute(() -> scheduleResync(0));
  }

  /**
   * Runs something on the reconcile thread, where it sees a consistent state and no status report
   * can interleave with it (the session builds its Hello this way).
   */
  public <T> CompletableFuture<T> call(Function<Reconciler, T> work) {
    return CompletableFuture.supplyAsync(() -> work.apply(reconciler), thread);
  }

  /**
   * Waits until the first resync has been tried (successfully or not), so the first Hello can
   * list the containers already there instead of an empty set.
   */
  public boolean awaitFirstResync(Duration timeout) {
    try {
      firstResync.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      return false;
    }
  }

  public Reconciler reconciler() {
    return reconciler;
  }

  private void resync() {
    nextResync = null;
    nextResyncAt = Long.MAX_VALUE;
    if (closed) {
      return;
    }
    try {
      reconciler.resync();
      if (!health.snapshot().healthy()) {
        log.info("container runtime is reachable again");
      }
      health.markHealthy();
      resyncBackoff.reset();
      scheduleResync(resyncInterval.toMillis());
    } catch (RuntimeUnavailableException e) {
      unavailable(e);
    } catch (RuntimeException e) {
      log.error("resync failed", e);
      scheduleResync(resyncBackoff.next().toMillis());
    } finally {
      firstResync.complete(null);
    }
  }

  /** Runs reconciler work; a runtime outage becomes "unhealthy, retry soon", never a crash. */
  private void guarded(Runnable work) {
    if (closed) {
      return;
    }
    try {
      work.run();
    } catch (RuntimeUnavailableException e) {
      unavailable(e);
    } catch (RuntimeException e) {
      log.error("reconcile failed", e);
      scheduleResync(resyncBackoff.next().toMillis());
    }
  }

  private void unavailable(RuntimeUnavailableException e) {
    if (health.snapshot().healthy()) {
      log.warn("container runtime unavailable: {}", e.getMessage());
    } else {
      log.debug("container runtime still unavailable: {}", e.getMessage());
    }
    health.markUnhealthy(e.getMessage());
    scheduleResync(resyncBackoff.next().toMillis());
  }

  /** Keeps the earliest of the pending and the asked-for resync. Reconcile thread only. */
  private void scheduleResync(long delayMillis) {
    if (closed) {
      return;
    }
    long at = System.currentTimeMillis() + delayMillis;
    if (nextResync != null && nextResyncAt <= at) {
      return;
    }
    if (nextResync != null) {
      nextResync.cancel(false);
    }
    nextResyncAt = at;
    nextResync = thread.schedule(this::resync, delayMillis, TimeUnit.MILLISECONDS);
  }

  private void attachEvents() {
    if (closed) {
      return;
    }
    long attachAt = System.currentTimeMillis();
    try {
      AutoCloseable subscription = runtime.watchEvents(eventsSinceMillis, this::onEvent,
          error -> onLoopThread(() -> eventsClosed(error)));
      events = subscription;
      eventsBackoff.reset();
      // Anything before this attach but missed during an outage is found by the resync.
      eventsSinceMillis = attachAt - EVENTS_OVERLAP_MILLIS;
      log.debug("watching runtime events");
    } catch (RuntimeException e) {
      log.debug("cannot watch runtime events: {}", e.getMessage());
      long wait = eventsBackoff.next().toMillis();
      thread.schedule(this::attachEvents, wait, TimeUnit.MILLISECONDS);
    }
  }

  private void eventsClosed(Throwable error) {
    if (closed) {
      return;
    }
    log.debug("runtime event stream ended: {}", error == null ? "closed" : error.toString());
    events = null;
    long wait = eventsBackoff.next().toMillis();
    thread.schedule(this::attachEvents, wait, TimeUnit.MILLISECONDS);
    // The stream ending usually means the daemon went away: find out soon.
    scheduleResync(wait);
  }

  private void onEvent(ContainerEvent e) {
    eventsSinceMillis = Math.max(eventsSinceMillis, e.timeNanos() / 1_000_000 - EVENTS_OVERLAP_MILLIS);
    if (!STATE_ACTIONS.contains(e.action())) {
      return;
    }
    boolean first;
    synchronized (pendingEvents) {
      first = pendingEvents.isEmpty();
      pendingEvents.computeIfAbsent(e.containerId(), id -> new HashSet<>()).add(e.action());
    }
    if (first) {
      onLoopThread(() -> guarded(this::handlePendingEvents));
    }
  }

  private void handlePendingEvents() {
    Map<String, Set<String>> events;
    synchronized (pendingEvents) {
      events = new LinkedHashMap<>(pendingEvents);
      pendingEvents.clear();
    }
    reconciler.containersChanged(events);
  }

  /** For callbacks from other threads (docker-java's): after close they are simply dropped. */
  private void onLoopThread(Runnable work) {
    try {
      thread.execute(work);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      if (!closed) {
        throw e;
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    thread.execute(() -> {
      if (events != null) {
        try {
          events.close();
        } catch (Exception e) {
          // closing anyway
        }
      }
    });
    thread.shutdown();
    try {
      if (!thread.awaitTermination(10, TimeUnit.SECONDS)) {
        thread.shutdownNow();
      }
    } catch (InterruptedException e) {
      thread.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
