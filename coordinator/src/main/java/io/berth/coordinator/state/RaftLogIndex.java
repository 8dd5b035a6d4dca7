package io.berth.coordinator.state;

import io.atomix.protocols.raft.RaftServer;
import io.atomix.protocols.raft.storage.log.RaftLog;
import io.atomix.storage.journal.JournalSegment;
import io.atomix.storage.journal.SegmentedJournal;
import io.atomix.storage.journal.index.JournalIndex;
import io.atomix.storage.journal.index.Position;
import io.atomix.storage.journal.index.SparseJournalIndex;
import java.lang.reflect.Field;
import java.util.Optional;

/**
 * Makes Atomix index the position of every Raft log entry, so that a log reader moved back to an
 * index (a follower checking the entry before an append, a leader backing up a follower's next
 * index) is one lookup and one entry read. Atomix's reader does not consult the index when it is
 * opened or moved forward: it steps through the entries in between (docs/DESIGN.md).
 *
 * <p>Atomix 3.1.12 keeps one position per 200 entries (its journal's default index density, 0.005,
 * which {@code RaftStorage} gives no way to change), so a reset reads and deserializes up to 199
 * entries on the Raft thread. Berth's entries are plans of up to 4 MiB: in the 1,000,000-task runs
 * resets took long enough that heartbeats and votes waited behind them and no leader lasted
 * (docs/BENCHMARKS.md, session 14). Reached by reflection into the pinned Atomix, like
 * {@link RaftInternals}; if that stops working the log is left as Atomix built it (correct, only
 * slower to reset). Memory: one map entry (about 70 bytes) per entry in the log kept.
 */
public final class RaftLogIndex {
  /** Atomix's density for "every entry": its sparse index keeps every ceil(1 / density)-th position. */
  private static final double EVERY_ENTRY = 1.0;

  private static final Field RAFT_LOG_JOURNAL = RaftInternals.field(RaftLog.class, "journal");
  private static final Field JOURNAL_DENSITY = RaftInternals.field(SegmentedJournal.class, "indexDensity");
  private static final Field SEGMENT_INDEX = RaftInternals.field(JournalSegment.class, "index");
  private static final Field SPARSE_INDEX_STEP = RaftInternals.field(SparseJournalIndex.class, "density");

  private RaftLogIndex() {}

  /**
   * Indexes every entry written from now on: the segments Atomix creates from now on, and the
   * rest of the segments it has open. Entries already on disk (a restart) keep the positions they
   * were loaded with until compaction drops them. Call before the server starts, while no Raft
   * thread writes to the log. False if Atomix's internals were not where expected.
   */
  static boolean indexEveryEntry(RaftServer server) {
    return journal(server).map(RaftLogIndex::indexEveryEntry).orElse(false);
  }

  /**
   * {@link #indexEveryEntry(RaftServer)} on a journal of one's own (JournalReaderBench): Atomix's
   * journal builder refuses a density of 1 (it takes 0 to 1, exclusive), so this is the way there too.
   */
  public static boolean indexEveryEntry(SegmentedJournal<?> journal) {
    if (SEGMENT_INDEX == null || SPARSE_INDEX_STEP == null || JOURNAL_DENSITY == null) {
      return false;
    }
    try {
      JOURNAL_DENSITY.setDouble(journal, EVERY_ENTRY);
      for (JournalSegment<?> segment : journal.segments()) {
        if (SEGMENT_INDEX.get(segment) instanceof SparseJournalIndex index) {
          SPARSE_INDEX_STEP.setInt(index, 1);
        }
      }
      return true;
    } catch (IllegalAccessException | RuntimeException e) {
      return false;
    }
  }

  /**
   * The log index whose position the index holds at or before {@code index} (equal to it when the
   * entry is indexed), empty if the entry is not in the log or the index cannot be read.
   */
  static Optional<Long> indexedAtOrBefore(RaftServer server, long index) {
    Optional<SegmentedJournal<?>> journal = journal(server);
    if (journal.isEmpty() || SEGMENT_INDEX == null) {
      return Optional.empty();
    }
    try {
      for (JournalSegment<?> segment : journal.get().segments()) {
        if (segment.index() <= index && index <= segment.lastIndex()) {
          Position p = ((JournalIndex) SEGMENT_INDEX.get(segment)).lookup(index);
          return p == null ? Optional.empty() : Optional.of(p.index());
        }
      }
      return Optional.empty();
    } catch (IllegalAccessException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private static Optional<SegmentedJournal<?>> journal(RaftServer server) {
    if (RAFT_LOG_JOURNAL == null) {
      return Optional.empty();
    }
    return RaftInternals.context(server).flatMap(context -> {
      try {
        return Optional.ofNullable((SegmentedJournal<?>) RAFT_LOG_JOURNAL.get(context.getLog()));
      } catch (IllegalAccessException | RuntimeException e) {
        return Optional.empty();
      }
    });
  }
}
