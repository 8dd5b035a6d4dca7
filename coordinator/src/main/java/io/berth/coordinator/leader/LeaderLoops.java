package io.berth.coordinator.leader;

import io.berth.coordinator.scheduler.Scheduler;
import io.berth.coordinator.session.NodeRegistrar;
import io.berth.coordinator.session.SessionRegistry;
import io.berth.coordinator.state.ClusterStore;
import io.berth.coordinator.state.JobKey;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The work only the leader does (evaluations and plan commits, node liveness), started when this
 * member becomes leader and stopped when it stops being one. Each pass re-checks
 * {@link Leadership#isLeader()}, so a lapsed leader acts no more even before it is told.
 */
public final class LeaderLoops implements Leadership.Listener {
  private static final Logger LOG = LoggerFactory.getLogger(LeaderLoops.class);

  private final ClusterStore store;
  private final Scheduler scheduler;
  private final SessionRegistry sessions;
  private final MemberWatch members;
  private final NodeRegistrar registrar;
  private final Duration nodeTtl;
  private final Clock clock;
  private Leadership leadership;
  private String self;
  private volatile EvaluationLoop evaluations;
  private Thread evaluationThread;
  private ScheduledExecutorService liveness;

  public LeaderLoops(ClusterStore store, Scheduler scheduler, SessionRegistry sessions, MemberWatch members,
      NodeRegistrar registrar, Duration nodeTtl, Clock clock) {
    this.store = store;
    this.scheduler = scheduler;
    this.sessions = sessions;
    this.members = members;
    this.registrar = registrar;
    this.nodeTtl = nodeTtl;
    this.clock = clock;
    store.addListener(snapshot -> {
      EvaluationLoop current = evaluations;
      if (current != null) {
        current.onChange(snapshot);
      }
    });
  }

  public void bind(Leadership leadership, String self) {
    this.leadership = leadership;
    this.self = self;
  }

  @Override
  public synchronized void onLeader(long epoch) {
    stopLoops();
    EvaluationLoop loop = new EvaluationLoop(store, scheduler, clock, leadership::isLeader);
    evaluations = loop;
    evaluationThread = new Thread(loop, "berth-evaluations-" + epoch);
    evaluationThread.setDaemon(true);
    evaluationThread.start();
    NodeLiveness check = new NodeLiveness(store, sessions, members, registrar, nodeTtl, self);
    liveness = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "berth-liveness-" + epoch);
      t.setDaemon(true);
      return t;
    });
    liveness.scheduleWithFixedDelay(() -> {
      try {
        if (leadership.isLeader()) {
          check.check();
        }
      } catch (RuntimeException e) {
        LOG.warn("node liveness check failed: {}", e.toString());
      }
    }, 1, 1, TimeUnit.SECONDS);
  }

  @Override
  public synchronized void onFollower() {
    stopLoops();
  }

  private void stopLoops() {
    if (evaluations != null) {
      evaluations.stop();
      evaluations = null;
    }
    if (liveness != null) {
      liveness.shutdownNow();
      liveness = null;
    }
  }

  /** Why tasks of a job are not placed, as the leader's latest evaluation found (empty on followers). */
  public List<String> placementFailures(JobKey job) {
    EvaluationLoop e = evaluations;
    return e == null ? List.of() : e.placementFailures(job);
  }
}
