package io.berth.coordinator.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The view thread publishes once per burst, and at least every so many changes while a burst goes on. */
class ViewFeedTest {
  /** The view thread, run by the test. */
  private final Queue<Runnable> viewThread = new ArrayDeque<>();
  private final List<Long> published = new ArrayList<>();
  private final List<Long> appliedIndexes = new ArrayList<>();
  private final List<Long> nanosBeforePublish = new ArrayList<>();
  private long nanos;
  private long publishedAtNanos;
  private Runnable onApply = () -> {};

  private final ViewFeed feed = new ViewFeed((changes, index, restore) -> {
    appliedIndexes.add(index);
    onApply.run();
  }, viewThread::add, index -> {
    published.add(index);
    nanosBeforePublish.add(nanos - publishedAtNanos);
    publishedAtNanos = nanos;
  }, () -> nanos);

  private static List<StateMachine.Change> changes(int n, long index) {
    return Collections.nCopies(n, new StateMachine.Change("node/n", null, index));
  }

  private void runViewThread() {
    for (Runnable r; (r = viewThread.poll()) != null; ) {
      r.run();
    }
  }

  @Test
  void entriesArrivedWhileTheViewWasBusyArePublishedOnce() {
    feed.applied(changes(10, 1), 1);
    feed.applied(changes(10, 2), 2);
    feed.applied(changes(10, 3), 3);

    runViewThread();

    assertEquals(List.of(1L, 2L, 3L), appliedIndexes);
    assertEquals(List.of(3L), published);
  }

  @Test
  void aBurstThatKeepsArrivingIsPublishedEveryFewSeconds() {
    long perEntry = TimeUnit.MILLISECONDS.toNanos(300); // each entry takes the starved view thread 0.3 s
    long[] next = {1};
    feed.applied(changes(5_000, next[0]), next[0]);
    // Raft delivers the next entry while the view applies this one, 200 entries in all (60 s).
    onApply = () -> {
      nanos += perEntry;
      if (next[0] < 200) {
        next[0]++;
        feed.applied(changes(5_000, next[0]), next[0]);
      }
    };

    runViewThread();

    assertEquals(200, appliedIndexes.size());
    assertEquals(200L, published.get(published.size() - 1), "all of it published in the end");
    long most = Collections.max(nanosBeforePublish);
    assertTrue(most <= ViewFeed.PUBLISH_AT_LEAST_EVERY.toNanos() + perEntry,
        "published at least every " + ViewFeed.PUBLISH_AT_LEAST_EVERY + " and an entry; once after " + most + " ns");
    assertTrue(published.size() >= 60 / 6 && published.size() <= 60 / 5 + 1,
        "about once per period, not once per entry: " + published.size() + " publishes");
  }

  @Test
  void aRestoreIsAppliedAsARestoreAndPublishedAtItsIndex() {
    List<Boolean> restores = new ArrayList<>();
    ViewFeed restoring = new ViewFeed((changes, index, restore) -> restores.add(restore), viewThread::add,
        published::add);

    restoring.restored(changes(3, 40), 40);
    restoring.applied(changes(1, 41), 41);
    runViewThread();

    assertEquals(List.of(true, false), restores);
    assertEquals(List.of(41L), published);
  }
}
