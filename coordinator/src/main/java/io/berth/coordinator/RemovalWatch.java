package io.berth.coordinator;

import io.berth.coordinator.state.ClusterSnapshot;
import io.berth.coordinator.state.ClusterStore;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices that this member was removed (`berth cluster remove` marked it while it was up), makes
 * sure it is out of the Raft group, and then completes {@link #removed()} so the process stops.
 */
final class RemovalWatch implements Consumer<ClusterSnapshot> {
  private static final Logger LOG = LoggerFactory.getLogger(RemovalWatch.class);

  private final ClusterStore store;
  private final String self;
  private final AtomicBoolean leaving = new AtomicBoolean();
  private final CompletableFuture<String> removed = new CompletableFuture<>();

  RemovalWatch(ClusterStore store, String self) {
    this.store = store;
    this.self = self;
  }

  @Override
  public void accept(ClusterSnapshot snapshot) {
    if (store.removedSinceStart(self) && leaving.compareAndSet(false, true)) {
      Thread t = new Thread(this::leave, "berth-removed");
      t.setDaemon(true);
      t.start();
    }
  }

  /** The pause lets the removal's own reply go out when it was asked of this member. */
  private void leave() {
    String why = "this coordinator (" + self + ") was removed from the cluster with `berth cluster remove`: its data "
        + "dir no longer makes it a member. To add this host again, start it with --join ANY_MEMBER:GRPC_PORT "
        + "--token T and an empty --data-dir";
    LOG.error(why);
    try {
      store.removeFromRaft(self, Duration.ofSeconds(30));
      Thread.sleep(1000);
    } catch (RuntimeException e) {
      LOG.warn("leaving the Raft group: {}", e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    removed.complete(why);
  }

  /** True from the moment this member saw itself removed: it publishes nothing more. */
  boolean marked() {
    return leaving.get();
  }

  /** Completes, with why, once this member was removed and is out of the Raft group. */
  CompletableFuture<String> removed() {
    return removed;
  }
}
