package io.berth.coordinator.state;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * Receives the state machine's changes on Raft's thread and applies them to the replica view on
 * the view thread. Entries that arrive while the view thread is busy are applied together and
 * published once: the listeners (sessions, DNS, liveness) see one snapshot per burst, not one per
 * entry. A burst is published at least every {@link #PUBLISH_AT_LEAST_EVERY}, because on a starved
 * machine the entries arrive as fast as the view thread applies them: unbounded, one drain went on
 * for a minute or more while the replica's version stood still, and everything waiting on it
 * (assignments, status writes, the hand-off's judgement) with it (1,000,000 tasks, run AC). A
 * bound by time, not by changes: every publish makes the sessions push to each node whose set
 * changed, and while those pushes sent whole sets, publishing every 20,000 changes (run AD)
 * multiplied them and they took the view thread's time instead.
 */
final class ViewFeed implements StateService.Sink {
  /** Well under the stall report's 30 s and the status writes' wait for their version. */
  static final Duration PUBLISH_AT_LEAST_EVERY = Duration.ofSeconds(5);

  /** Applies an entry's changes to the view ({@code restore}: they replace the view's contents). */
  interface Apply {
    void apply(List<StateMachine.Change> changes, long index, boolean restore);
  }

  private record Entry(List<StateMachine.Change> changes, long index, boolean restore) {}

  private final ConcurrentLinkedQueue<Entry> arrived = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private final Apply apply;
  private final Executor viewThread;
  private final LongConsumer publish;
  private final LongSupplier nanoClock;

  /** @param publish publishes the view as of the index given; runs on the view thread */
  ViewFeed(Apply apply, Executor viewThread, LongConsumer publish) {
    this(apply, viewThread, publish, System::nanoTime);
  }

  ViewFeed(Apply apply, Executor viewThread, LongConsumer publish, LongSupplier nanoClock) {
    this.apply = apply;
    this.viewThread = viewThread;
    this.publish = publish;
    this.nanoClock = nanoClock;
  }

  @Override
  public void applied(List<StateMachine.Change> changes, long index) {
    arrive(new Entry(changes, index, false));
  }

  @Override
  public void restored(List<StateMachine.Change> contents, long index) {
    arrive(new Entry(contents, index, true));
  }

  private void arrive(Entry e) {
    arrived.add(e);
    schedule();
  }

  private void schedule() {
    if (scheduled.compareAndSet(false, true)) {
      viewThread.execute(this::drain);
    }
  }

  private void drain() {
    scheduled.set(false); // set before polling: an entry added from here on schedules another drain
    long index = -1;
    long until = nanoClock.getAsLong() + PUBLISH_AT_LEAST_EVERY.toNanos();
    for (Entry e; (index < 0 || nanoClock.getAsLong() - until < 0) && (e = arrived.poll()) != null; ) {
      apply.apply(e.changes(), e.index(), e.restore());
      index = e.index();
    }
    if (index >= 0) {
      publish.accept(index);
    }
    if (!arrived.isEmpty()) {
      schedule(); // what is left goes on after this publish
    }
  }

  /** Applies to a {@link ReplicaView}: a restore resets it. */
  static Apply to(ReplicaView view) {
    return (changes, index, restore) -> {
      if (restore) {
        view.reset(changes, index);
      } else {
        view.apply(changes);
      }
    };
  }
}
