package io.berth.coordinator.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Queue;
import org.junit.jupiter.api.Test;

/** The view thread publishes once per burst, and at least every so many changes while a burst goes on. */
class ViewFeedTest {
  /** The view thread, run by the test. */
  private final Queue<Runnable> viewThread = new ArrayDeque<>();
  private final List<Long> published = new ArrayList<>();
  private final List<Long> appliedIndexes = new ArrayList<>();
  private final List<Integer> changesBeforePublish = new ArrayList<>();
  private int changesSincePublish;
  private Runnable onApply = () -> {};

  private final ViewFeed feed = new ViewFeed((changes, index, restore) -> {
    appliedIndexes.add(index);
    changesSincePublish += changes.size();
    onApply.run();
  }, viewThread::add, index -> {
    published.add(index);
    changesBeforePublish.add(changesSincePublish);
    changesSincePublish = 0;
  });

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
  void aBurstThatKeepsArrivingIsPublishedEveryFewChanges() {
    int perEntry = 5_000;
    long[] next = {1};
    feed.applied(changes(perEntry, next[0]), next[0]);
    // Raft delivers the next entry while the view applies this one, 200 entries in all (1,000,000 changes).
    onApply = () -> {
      if (next[0] < 200) {
        next[0]++;
        feed.applied(changes(perEntry, next[0]), next[0]);
      }
    };

    runViewThread();

    assertEquals(200, appliedIndexes.size());
    assertEquals(200L, published.get(published.size() - 1), "all of it published in the end");
    int most = Collections.max(changesBeforePublish);
    assertTrue(most < ViewFeed.PUBLISH_AFTER_CHANGES + perEntry,
        "published at least every " + ViewFeed.PUBLISH_AFTER_CHANGES + " changes and an entry; once after " + most);
    assertTrue(published.size() >= 1_000_000 / (ViewFeed.PUBLISH_AFTER_CHANGES + perEntry), "publishes: " + published);
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
