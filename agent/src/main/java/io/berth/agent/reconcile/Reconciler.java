package io.berth.agent.reconcile;

import io.berth.agent.health.CheckTarget;
import io.berth.agent.health.Probes;
import io.berth.agent.runtime.ContainerInfo;
import io.berth.agent.runtime.ContainerNotFoundException;
import io.berth.agent.runtime.ContainerPhase;
import io.berth.agent.runtime.ContainerRuntime;
import io.berth.agent.runtime.RuntimeUnavailableException;
import io.berth.agent.runtime.TaskStartException;
import io.berth.proto.ContainerSpec;
import io.berth.proto.TaskHealth;
import io.berth.proto.TaskState;
import io.berth.proto.TaskStatus;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Desired tasks versus the containers the runtime has, and the calls that close the gap.
 *
 * <p>Rules: a desired task without a container gets one, created once and started once; a
 * container whose task is not desired is stopped and removed; a task never gets a second
 * container, whatever state the first is in; exited containers stay (so their logs can be read)
 * until their task leaves the desired set. Until the first desired set arrives nothing is
 * removed: after an agent restart the running containers are adopted, not killed.
 *
 * <p>Every change of a task's state goes to the {@link StatusSink} once. Not thread-safe: one
 * thread drives it (see {@link ReconcileLoop}). Runtime calls that fail with
 * {@link RuntimeUnavailableException} abort the pass and propagate; what is known is kept.
 */
public final class Reconciler {

  private static final Logger log = LoggerFactory.getLogger(Reconciler.class);
  /** Event actions that the agent's own create and start calls cause. */
  private static final Set<String> OWN_CALL_ACTIONS = Set.of("create", "start");

  private final ContainerRuntime runtime;
  private final StatusSink sink;
  private final LongSupplier clock;
  private final Executor launchExecutor;
  private final Executor removalExecutor;

  /** null until the coordinator has told us what it wants. */
  private Map<String, ContainerSpec> desired;
  /** task id -> its container, as last seen. */
  private final Map<String, ContainerInfo> observed = new TreeMap<>();
  /** Tasks that failed without a container to show it (or whose start failed): task -> status. */
  private final Map<String, TaskStatus> failed = new HashMap<>();
  /** Containers we have called start on (successfully or not): never started twice. */
  private final Set<String> startAttempted = new HashSet<>();
  /** Tasks that had a container during this agent's life. */
  private final Set<String> hadContainer = new HashSet<>();
  private final Map<String, TaskStatus> lastReported = new HashMap<>();
  /**
   * Tasks whose status may have changed since the last report: their container, failure, health
   * verdict or health check changed. A report looks at these alone; a node given 100 tasks one
   * placement at a time made a pass over all of its tasks per placement (the fleet's largest cost
   * at 300,000 tasks). Sorted: reports list tasks in id order.
   */
  private final Set<String> dirty = new TreeSet<>();
  /** task id -> container id, for readers on other threads (log requests). */
  private final Map<String, String> containerIds = new ConcurrentHashMap<>();
  /** container id -> task id, for runtime events that name only the container. */
  private final Map<String, String> taskOfContainer = new HashMap<>();
  /** Running tasks' health verdicts, as the checks last changed them. */
  private final Map<String, Health> health = new HashMap<>();
  /** Told which running tasks to check after every pass; none by default. */
  private Consumer<Map<String, CheckTarget>> healthChecks = targets -> {};

  private record Health(String containerId, TaskHealth verdict, String output) {}

  /**
   * The status last made for a task, and what it was made from: reused while the container and
   * the health verdict are the very same objects (a Hello lists every task's status).
   */
  private record StatusMade(ContainerInfo container, Health health, boolean checked, TaskStatus status) {}

  private final Map<String, StatusMade> statusMade = new HashMap<>();

  /** Removals run one after another on the calling thread (tests). */
  public Reconciler(ContainerRuntime runtime, StatusSink sink) {
    this(runtime, sink, System::currentTimeMillis, Runnable::run);
  }

  public Reconciler(ContainerRuntime runtime, StatusSink sink, LongSupplier clock) {
    this(runtime, sink, clock, Runnable::run);
  }

  /** Creates, starts and removals on one executor. */
  public Reconciler(ContainerRuntime runtime, StatusSink sink, LongSupplier clock,
      Executor executor) {
    this(runtime, sink, clock, executor, executor);
  }

  /**
   * @param launchExecutor runs each task's create and start, several at once
   * @param removalExecutor runs stop-and-remove calls, so several can wait out their stop
   *     grace period at the same time; the reconciler's own state stays on the calling thread
   */
  public Reconciler(ContainerRuntime runtime, StatusSink sink, LongSupplier clock,
      Executor launchExecutor, Executor removalExecutor) {
    this.runtime = runtime;
    this.sink = sink;
    this.clock = clock;
    this.launchExecutor = launchExecutor;
    this.removalExecutor = removalExecutor;
  }

  /**
   * Runs the health checks of running tasks whose assignment has one: after every pass the
   * watcher gets the whole set of tasks to check (see {@code HealthMonitor}).
   */
  public Reconciler withHealthChecks(Consumer<Map<String, CheckTarget>> watcher) {
    this.healthChecks = watcher;
    return this;
  }

  /** A task's health verdict changed (reported by its checks); ignored for a container it no longer has. */
  public void healthChanged(String taskId, String containerId, TaskHealth verdict, String output) {
    ContainerInfo c = observed.get(taskId);
    if (c == null || !c.containerId().equals(containerId)) {
      return;
    }
    health.put(taskId, new Health(containerId, verdict, output));
    dirty.add(taskId);
    reportChanges();
  }

  /** The coordinator's full desired set for this node; reconciles at once. */
  public void setDesired(Map<String, ContainerSpec> tasks) {
    Map<String, ContainerSpec> before = desired;
    this.desired = new LinkedHashMap<>(tasks);
    for (String taskId : observed.keySet()) {
      if (checked(before, taskId) != checked(desired, taskId)) {
        dirty.add(taskId); // a running task's health is reported only while it has a check
      }
    }
    reconcile();
  }

  private static boolean checked(Map<String, ContainerSpec> desired, String taskId) {
    ContainerSpec spec = desired == null ? null : desired.get(taskId);
    return spec != null && spec.hasHealthCheck();
  }

  /** Whether a desired set has arrived yet. */
  public boolean hasDesired() {
    return desired != null;
  }

  /** Lists the runtime's containers, replaces what we believed, reconciles. */
  public void resync() {
    List<ContainerInfo> actual = runtime.list();
    Map<String, ContainerInfo> byTask = new HashMap<>();
    for (ContainerInfo c : actual) {
      ContainerInfo other = byTask.put(c.taskId(), c);
      if (other != null) {
        // Should not happen (names are unique per task), but never let one hide the other.
        log.warn("task {} has two containers: {} and {}", c.taskId(), other.containerId(),
            c.containerId());
        byTask.put(c.taskId(), preferred(other, c));
      }
    }
    for (String taskId : new ArrayList<>(observed.keySet())) {
      if (!byTask.containsKey(taskId)) {
        lost(taskId);
      }
    }
    byTask.values().forEach(this::observe);
    hadContainer.addAll(byTask.keySet());
    dirty.addAll(observed.keySet()); // a full look: every status is compared again
    reconcile();
  }

  /** A runtime event said this container changed: look at it again and reconcile. */
  public void containerChanged(String containerId) {
    containersChanged(Map.of(containerId, Set.of()));
  }

  /**
   * Runtime events, coalesced: container id to the actions seen for it since the last call (an
   * empty set means "something changed"). Each container is looked at again once, unless its
   * events only repeat what this agent already knows (see {@link #alreadyKnown}); then one pass.
   */
  public void containersChanged(Map<String, Set<String>> actionsByContainer) {
    boolean changed = false;
    for (Map.Entry<String, Set<String>> e : actionsByContainer.entrySet()) {
      if (!alreadyKnown(e.getKey(), e.getValue())) {
        lookAgain(e.getKey());
        changed = true;
      }
    }
    if (changed) {
      reconcile();
    }
  }

  /**
   * Whether a container's events tell nothing new: "create" of a container we already have, or
   * "start" of one we saw running (the agent's own create and start come back as events). The
   * event stream is ordered, so whatever happens to it later arrives as an event of its own.
   */
  private boolean alreadyKnown(String containerId, Set<String> actions) {
    if (actions.isEmpty() || !OWN_CALL_ACTIONS.containsAll(actions)) {
      return false;
    }
    ContainerInfo known = observedByContainer(containerId);
    return known != null && (!actions.contains("start") || known.phase() == ContainerPhase.RUNNING);
  }

  private ContainerInfo observedByContainer(String containerId) {
    String taskId = taskOfContainer.get(containerId);
    return taskId == null ? null : observed.get(taskId);
  }

  private void lookAgain(String containerId) {
    Optional<ContainerInfo> now = runtime.inspect(containerId);
    if (now.isPresent()) {
      ContainerInfo c = now.get();
      ContainerInfo known = observed.get(c.taskId());
      if (known == null || known.containerId().equals(c.containerId())) {
        observe(c);
        hadContainer.add(c.taskId());
      } else {
        log.warn("task {} has a second container {}; keeping {}", c.taskId(), c.containerId(),
            known.containerId());
      }
    } else {
      ContainerInfo gone = observedByContainer(containerId);
      if (gone != null) {
        lost(gone.taskId());
      }
    }
  }

  /** The current state of every task we know: every container, and tasks that failed to start. */
  public List<TaskStatus> statuses() {
    return new ArrayList<>(current().values());
  }

  /** The container running a task, if this node has one. Safe from any thread. */
  public Optional<String> containerOf(String taskId) {
    return Optional.ofNullable(containerIds.get(taskId));
  }

  private void reconcile() {
    try {
      if (desired != null) {
        removeUndesiredAndCreateMissing();
      }
    } finally {
      watchHealth();
      reportChanges();
    }
  }

  /** Running tasks with a check are checked; verdicts of tasks that stopped running are dropped. */
  private void watchHealth() {
    Map<String, CheckTarget> targets = new TreeMap<>();
    for (ContainerInfo c : observed.values()) {
      ContainerSpec spec = desired == null ? null : desired.get(c.taskId());
      if (spec == null || !spec.hasHealthCheck() || c.phase() != ContainerPhase.RUNNING
          || failed.containsKey(c.taskId())) {
        continue;
      }
      Probes.of(spec, c.containerId(), runtime).ifPresent(
          probe -> targets.put(c.taskId(), new CheckTarget(c.taskId(), c.containerId(), spec.getHealthCheck(), probe)));
    }
    for (Iterator<String> i = health.keySet().iterator(); i.hasNext(); ) {
      String taskId = i.next();
      CheckTarget target = targets.get(taskId);
      if (target == null || !target.containerId().equals(health.get(taskId).containerId())) {
        i.remove();
        dirty.add(taskId);
      }
    }
    healthChecks.accept(targets);
  }

  /**
   * Removes the containers of tasks no longer desired and creates the missing ones. Removals run
   * together (stops may each wait out the grace period); those of live containers finish before
   * any create, since they may hold host ports or resources a new task needs, while exited ones
   * are removed alongside the creates, off the path of a replacement (a killed task's container
   * is dead: its replacement need not wait for its removal).
   */
  private void removeUndesiredAndCreateMissing() {
    Map<ContainerInfo, CompletableFuture<Void>> removals = new LinkedHashMap<>();
    for (ContainerInfo c : observed.values()) {
      if (!desired.containsKey(c.taskId())) {
        removals.put(c, CompletableFuture.runAsync(
            () -> runtime.stopAndRemove(c.containerId(), c.taskId()), removalExecutor));
      }
    }
    RuntimeException failure = finishRemovals(removals, true);
    if (failure == null) {
      try {
        createMissing();
      } catch (RuntimeException e) {
        failure = e;
      }
    }
    RuntimeException late = finishRemovals(removals, false);
    if (failure == null || (late instanceof RuntimeUnavailableException
        && !(failure instanceof RuntimeUnavailableException))) {
      failure = late == null ? failure : late;
    }
    failed.keySet().removeIf(taskId -> !desired.containsKey(taskId) && !observed.containsKey(taskId));
    hadContainer.removeIf(taskId -> !desired.containsKey(taskId));
    lastReported.keySet().removeIf(taskId -> !desired.containsKey(taskId)
        && !observed.containsKey(taskId));
    if (failure != null) {
      throw failure;
    }
  }

  private static boolean holdsResources(ContainerInfo c) {
    return c.phase() != ContainerPhase.EXITED && c.phase() != ContainerPhase.DEAD;
  }

  /** Waits for the removals of live (or of finished) containers and applies their outcomes. */
  private RuntimeException finishRemovals(Map<ContainerInfo, CompletableFuture<Void>> removals, boolean live) {
    RuntimeException firstFailure = null;
    for (Map.Entry<ContainerInfo, CompletableFuture<Void>> r : removals.entrySet()) {
      ContainerInfo c = r.getKey();
      if (holdsResources(c) != live) {
        continue;
      }
      try {
        r.getValue().join();
      } catch (CompletionException e) {
        // Kept as observed: the next pass tries again.
        RuntimeException cause = e.getCause() instanceof RuntimeException re ? re : e;
        log.warn("cannot remove container {} of task {}: {}", c.containerId(), c.taskId(),
            cause.getMessage());
        if (firstFailure == null || cause instanceof RuntimeUnavailableException) {
          firstFailure = cause;
        }
        continue;
      }
      boolean wasLive = holdsResources(c) && !failed.containsKey(c.taskId());
      unobserve(c.taskId());
      startAttempted.remove(c.containerId());
      failed.remove(c.taskId());
      hadContainer.remove(c.taskId());
      lastReported.remove(c.taskId());
      if (wasLive) {
        // Exited tasks already reported how they ended; only a stop we caused is news.
        emit(TaskStatus.newBuilder().setTaskId(c.taskId()).setContainerId(c.containerId())
            .setState(TaskState.TASK_STOPPED)
            .setMessage("stopped: no longer assigned to this node").build());
      }
    }
    return firstFailure;
  }

  private void createMissing() {
    List<Map.Entry<String, ContainerSpec>> toCreate = new ArrayList<>();
    List<ContainerInfo> toStart = new ArrayList<>();
    for (Map.Entry<String, ContainerSpec> e : desired.entrySet()) {
      String taskId = e.getKey();
      if (failed.containsKey(taskId)) {
        continue;
      }
      ContainerInfo c = observed.get(taskId);
      if (c == null) {
        toCreate.add(e);
      } else if (c.phase() == ContainerPhase.CREATED && c.error().isEmpty()
          && !startAttempted.contains(c.containerId())) {
        // Created but never started (e.g. the agent died in between): start, do not recreate.
        toStart.add(c);
      }
    }
    // Each task's create-and-start is independent: run them together (a node given 100 tasks
    // should not start them one after another), then apply the outcomes here as they come.
    Set<String> attempted = Set.copyOf(startAttempted);
    BlockingQueue<CompletableFuture<Launch>> done = new LinkedBlockingQueue<>();
    for (Map.Entry<String, ContainerSpec> e : toCreate) {
      CompletableFuture<Launch> f =
          CompletableFuture.supplyAsync(() -> launch(e.getKey(), e.getValue(), attempted), launchExecutor);
      f.whenComplete((l, ex) -> done.add(f));
    }
    RuntimeException unavailable = null;
    for (int left = toCreate.size(); left > 0; ) {
      // Every launch done by now is applied, then reported in one message: one report per
      // launch cost a pass over all of the node's tasks each (100 tasks, 100 passes of 100).
      // Launches queue up as they finish: waiting on any of those left instead hung a callback
      // on each of them every round, quadratic in the launches (the 1,000,000-task run's fleet).
      List<CompletableFuture<Launch>> finished = new ArrayList<>();
      finished.add(takeUninterruptibly(done));
      done.drainTo(finished);
      left -= finished.size();
      for (CompletableFuture<Launch> f : finished) {
        RuntimeException e = apply(f.join());
        if (e != null && unavailable == null) {
          unavailable = e;
        }
      }
      reportChanges();
    }
    for (ContainerInfo c : toStart) {
      start(c);
    }
    if (unavailable != null) {
      throw unavailable;
    }
  }

  /** Waits as {@code join} would, through interrupts, and keeps the interrupt for the caller. */
  private static <T> T takeUninterruptibly(BlockingQueue<T> queue) {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return queue.take();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** What creating and starting one task's container came to; runtime calls only, no state. */
  private record Launch(String taskId, ContainerInfo created, boolean startAttempted, ContainerInfo afterStart,
      boolean vanished, TaskStartException createFailure, TaskStartException startFailure,
      RuntimeException unavailable) {}

  private Launch launch(String taskId, ContainerSpec spec, Set<String> attempted) {
    ContainerInfo created;
    try {
      created = runtime.create(taskId, spec);
    } catch (TaskStartException ex) {
      return new Launch(taskId, null, false, null, false, ex, null, null);
    } catch (RuntimeException ex) {
      return new Launch(taskId, null, false, null, false, null, null, ex);
    }
    if (created.phase() != ContainerPhase.CREATED || attempted.contains(created.containerId())) {
      return new Launch(taskId, created, false, null, false, null, null, null);
    }
    try {
      runtime.start(created.containerId());
    } catch (TaskStartException ex) {
      return new Launch(taskId, created, true, null, false, null, ex, null);
    } catch (ContainerNotFoundException ex) {
      return new Launch(taskId, created, true, null, true, null, null, null);
    } catch (RuntimeException ex) {
      return new Launch(taskId, created, false, null, false, null, null, ex);
    }
    // Started means running: Docker answers start once the process runs. Should it exit at once,
    // its "die" event says so (events are ordered after our start), so no inspect per launch.
    ContainerInfo running = ContainerInfo.of(created.containerId(), taskId, ContainerPhase.RUNNING);
    return new Launch(taskId, created, true, running, false, null, null, null);
  }

  /**
   * Applies one launch's outcome to the reconciler's state, reporting nothing (the caller reports
   * once for every launch done): a container created and started within the launch is reported
   * as what it is then, RUNNING (or FAILED), not STARTING first. Returns a runtime outage to rethrow.
   */
  private RuntimeException apply(Launch l) {
    if (l.createFailure() != null) {
      log.warn("task {} failed: {}", l.taskId(), l.createFailure().getMessage());
      fail(failedStatus(l.taskId(), "", l.createFailure().getMessage()));
      return null;
    }
    if (l.created() == null) {
      return l.unavailable();
    }
    observe(l.created());
    hadContainer.add(l.taskId());
    if (l.startAttempted()) {
      startAttempted.add(l.created().containerId());
    }
    if (l.startFailure() != null) {
      log.warn("task {} failed to start: {}", l.taskId(), l.startFailure().getMessage());
      fail(failedStatus(l.taskId(), l.created().containerId(), l.startFailure().getMessage()));
    } else if (l.vanished()) {
      lost(l.taskId());
    } else if (l.afterStart() != null) {
      observe(l.afterStart());
    }
    return l.unavailable();
  }

  private void start(ContainerInfo c) {
    try {
      runtime.start(c.containerId());
      startAttempted.add(c.containerId());
    } catch (TaskStartException ex) {
      startAttempted.add(c.containerId());
      log.warn("task {} failed to start: {}", c.taskId(), ex.getMessage());
      fail(failedStatus(c.taskId(), c.containerId(), ex.getMessage()));
      reportChanges();
      return;
    } catch (ContainerNotFoundException ex) {
      lost(c.taskId());
      reportChanges();
      return;
    }
    // It may already have exited: ask rather than assume RUNNING.
    Optional<ContainerInfo> now = runtime.inspect(c.containerId());
    if (now.isPresent()) {
      observe(now.get());
    } else {
      lost(c.taskId());
    }
    reportChanges();
  }

  /** The task's container vanished without us removing it. */
  private void lost(String taskId) {
    ContainerInfo gone = unobserve(taskId);
    if (gone != null) {
      startAttempted.remove(gone.containerId());
    }
    if (desired != null && desired.containsKey(taskId) && hadContainer.contains(taskId)
        && !failed.containsKey(taskId)) {
      // Recreating it would run the task a second time behind the coordinator's back.
      fail(failedStatus(taskId, gone == null ? "" : gone.containerId(),
          "container was removed outside Berth"));
    }
  }

  private Map<String, TaskStatus> current() {
    Map<String, TaskStatus> now = new TreeMap<>();
    for (String taskId : observed.keySet()) {
      now.put(taskId, statusOf(taskId));
    }
    now.putAll(failed);
    return now;
  }

  /**
   * A task's status now; null for a task this node knows nothing of. A recorded failure wins
   * over what the container shows (e.g. CREATED after a failed start).
   */
  private TaskStatus statusOf(String taskId) {
    TaskStatus failure = failed.get(taskId);
    if (failure != null) {
      return failure;
    }
    ContainerInfo c = observed.get(taskId);
    if (c == null) {
      return null;
    }
    boolean checked = checked(desired, taskId);
    Health h = checked ? health.get(taskId) : null;
    StatusMade made = statusMade.get(taskId);
    if (made == null || made.container() != c || made.health() != h || made.checked() != checked) {
      made = new StatusMade(c, h, checked, statusOf(c, checked, h));
      statusMade.put(taskId, made);
    }
    return made.status();
  }

  /** Records what a task's container is now. */
  private void observe(ContainerInfo c) {
    ContainerInfo before = observed.put(c.taskId(), c);
    if (before != null && !before.containerId().equals(c.containerId())) {
      taskOfContainer.remove(before.containerId());
    }
    taskOfContainer.put(c.containerId(), c.taskId());
    containerIds.put(c.taskId(), c.containerId());
    dirty.add(c.taskId());
  }

  /** Forgets a task's container; returns it (null if there was none). */
  private ContainerInfo unobserve(String taskId) {
    ContainerInfo gone = observed.remove(taskId);
    if (gone != null) {
      taskOfContainer.remove(gone.containerId());
      containerIds.remove(taskId);
      statusMade.remove(taskId);
    }
    dirty.add(taskId);
    return gone;
  }

  private void fail(TaskStatus failure) {
    failed.put(failure.getTaskId(), failure);
    dirty.add(failure.getTaskId());
  }

  private static TaskStatus statusOf(ContainerInfo c, boolean checked, Health h) {
    TaskStatus s = TaskStatusMapper.of(c);
    if (s.getState() == TaskState.TASK_RUNNING && checked) {
      s = h == null || !h.containerId().equals(c.containerId())
          ? s.toBuilder().setHealth(TaskHealth.HEALTH_UNKNOWN).build()
          : s.toBuilder().setHealth(h.verdict()).setHealthOutput(h.output()).build();
    }
    return s;
  }

  private void reportChanges() {
    if (dirty.isEmpty()) {
      return;
    }
    List<TaskStatus> changes = new ArrayList<>();
    for (String taskId : dirty) {
      TaskStatus s = statusOf(taskId);
      if (s == null) {
        continue; // gone: its removal was reported when it happened
      }
      TaskStatus before = lastReported.get(taskId);
      if (before == null || !TaskStatusMapper.sameState(before, s)) {
        TaskStatus stamped = s.toBuilder().setAtMs(clock.getAsLong()).build();
        lastReported.put(s.getTaskId(), stamped);
        changes.add(stamped);
      }
    }
    dirty.clear();
    if (!changes.isEmpty()) {
      sink.report(changes);
    }
  }

  private void emit(TaskStatus s) {
    sink.report(List.of(s.toBuilder().setAtMs(clock.getAsLong()).build()));
  }

  private static TaskStatus failedStatus(String taskId, String containerId, String message) {
    return TaskStatus.newBuilder().setTaskId(taskId).setContainerId(containerId)
        .setState(TaskState.TASK_FAILED).setMessage(message).build();
  }

  private static ContainerInfo preferred(ContainerInfo a, ContainerInfo b) {
    return b.phase() == ContainerPhase.RUNNING && a.phase() != ContainerPhase.RUNNING ? b : a;
  }
}
