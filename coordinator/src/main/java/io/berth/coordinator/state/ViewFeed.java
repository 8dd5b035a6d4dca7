package io.berth.coordinator.state;

import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongConsumer;

/**
 * Receives the state machine's changes on Raft's thread and applies them to the replica view on
 * the view thread. Entries that arrive while the view thread is busy are applied together and
 * published once: the listeners (sessions, DNS, liveness) see one snapshot per burst, not one per
 * entry. A burst is published at least every {@link #PUBLISH_AFTER_CHANGES} changes, because on a
 * starved machine the entries arrive as fast as the view thread applies them: unbounded, one drain
 * went on for over a minute while the replica's version stood still, and everything waiting on it
 * (assignments, status writes, the hand-off's judgement) with it (1,000,000 tasks, run AC).
 */
final class ViewFeed implements StateService.Sink {
  /** About a tenth of a second of applying on an idle core; a 4,000-task plan part is 4,000. */
  static final int PUBLISH_AFTER_CHANGES = 20_000;

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

  /** @param publish publishes the view as of the index given; runs on the view thread */
  ViewFeed(Apply apply, Executor viewThread, LongConsumer publish) {
    this.apply = apply;
    this.viewThread = viewThread;
    this.publish = publish;
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
    int changes = 0;
    for (Entry e; changes < PUBLISH_AFTER_CHANGES && (e = arrived.poll()) != null; ) {
      apply.apply(e.changes(), e.index(), e.restore());
      index = e.index();
      changes += e.changes().size();
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
