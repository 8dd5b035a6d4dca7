package io.berth.coordinator.diagnostics;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs what this JVM was doing while its replica stood still. A member writes its own record every
 * second, so a healthy replica moves every second; at 1,000,000 tasks on 2 vCPUs every member's
 * replica stood still for one to two minutes at times (run AB), and nothing said why. The first
 * report comes after {@link #AFTER}, the next ones every {@code AFTER} while the stall lasts, each
 * over the interval since the one before (the first since the replica last moved).
 */
public final class ReplicaStallReport {
  /** Long enough to pass over a collector's pause or an election, short enough to catch the stall. */
  public static final Duration AFTER = Duration.ofSeconds(30);

  private static final Logger LOG = LoggerFactory.getLogger(ReplicaStallReport.class);

  /** Raft's threads (server, state machine, messaging) and the thread that applies to the view. */
  private static final List<String> WATCHED =
      List.of("raft-server-", "netty-messaging-event-", "berth-replica-view");

  private final LongSupplier appliedIndex;
  private final LongSupplier nanoClock;
  private final long afterNanos;
  private final Runnable markInterval;
  private final Supplier<String> activity;
  private final Consumer<String> log;
  private long lastApplied = Long.MIN_VALUE;
  private long movedAtNanos;
  private long reportedAtNanos;
  private boolean reported;

  /**
   * @param markInterval starts the interval that {@code activity} describes
   * @param activity what the JVM did since the interval's start (and starts the next)
   */
  public ReplicaStallReport(LongSupplier appliedIndex, LongSupplier nanoClock, Duration after,
      Runnable markInterval, Supplier<String> activity, Consumer<String> log) {
    this.appliedIndex = appliedIndex;
    this.nanoClock = nanoClock;
    this.afterNanos = after.toNanos();
    this.markInterval = markInterval;
    this.activity = activity;
    this.log = log;
  }

  /** The report of a coordinator, logged as warnings, with the five busiest threads besides Raft's. */
  public static ReplicaStallReport of(LongSupplier appliedIndex) {
    ThreadActivity threads = new ThreadActivity(WATCHED, 5);
    return new ReplicaStallReport(appliedIndex, System::nanoTime, AFTER, threads::mark, threads::report, LOG::warn);
  }

  /** Looks at the replica once; called every second or so. */
  public void check() {
    long now = nanoClock.getAsLong();
    long applied = appliedIndex.getAsLong();
    if (applied != lastApplied) {
      if (reported) {
        log.accept(String.format("this member's replica moves again (at %d) after standing still %d s",
            applied, (now - movedAtNanos) / 1_000_000_000L));
      }
      lastApplied = applied;
      movedAtNanos = now;
      reported = false;
      markInterval.run();
      return;
    }
    long since = reported ? reportedAtNanos : movedAtNanos;
    if (now - since >= afterNanos) {
      reported = true;
      reportedAtNanos = now;
      log.accept(String.format("this member's replica has stood at %d for %d s; what this JVM did meanwhile, %s",
          applied, (now - movedAtNanos) / 1_000_000_000L, activity.get()));
    }
  }
}
