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
 * member becomes leader and stopped when it stops being one. Their writes are fenced with the
 * leader epoch, and each pass re-checks {@link Leadership#isLeader()}.
 */
public final class LeaderLoops implements Leadership.Listener {
  private static final Logger LOG = LoggerFactory.getLogger(LeaderLoops.class);

  private final ClusterStore store;
  private final Scheduler scheduler;
  private final SessionRegistry sessions;
  private final MemberWatch members;
  private final MemberProbe probe;
  private final Duration nodeTtl;
  private final Clock clock;
  private Leadership leadership;
  private String self;
  private volatile EvaluationLoop evaluations;
  private Thread evaluationThread;
  private ScheduledExecutorService liveness;

  public LeaderLoops(ClusterStore store, Scheduler scheduler, SessionRegistry sessions, MemberWatch members,
      MemberProbe probe, Duration nodeTtl, Clock clock) {
    this.store = store;
    this.scheduler = scheduler;
    this.sessions = sessions;
    this.members = members;
    this.probe = probe;
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
    // Every leader-only write carries the epoch: the state machine refuses it once a newer leader claimed.
    ClusterStore fenced = store.fencedAt(epoch);
    EvaluationLoop loop = new EvaluationLoop(fenced, scheduler, clock, leadership::isLeader);
    evaluations = loop;
    evaluationThread = new Thread(loop, "berth-evaluations-" + epoch);
    evaluationThread.setDaemon(true);
    evaluationThread.start();
    NodeLiveness check = new NodeLiveness(fenced, sessions, members, new NodeRegistrar(fenced, clock), probe,
        nodeTtl, self, System::nanoTime);
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
