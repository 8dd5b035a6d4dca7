package io.berth.bench;

import io.atomix.storage.StorageLevel;
import io.atomix.storage.journal.JournalReader;
import io.atomix.storage.journal.JournalWriter;
import io.atomix.storage.journal.SegmentedJournal;
import io.atomix.utils.serializer.Namespace;
import io.atomix.utils.serializer.Namespaces;
import io.berth.coordinator.state.RaftLogIndex;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * What moving Atomix's journal reader costs on the Raft thread, with log entries the size of
 * Berth's plan parts (4 MiB) in one segment: opening a reader at the log's end (what a new leader
 * does once per follower), moving a reader back (a follower's previous-entry check, a leader
 * backing up a follower) by one entry or half a segment, with Atomix's default index (one
 * position per 200 entries) and with every entry indexed (Berth's {@code RaftLogIndex}). The
 * baseline in the same run is reading the one entry a seek needs (a reader moved back by one
 * entry with every entry indexed).
 *
 * <p>Usage: {@code JournalReaderBench [segmentMiB] [entryKiB] [rounds]} (default 256 4096 5).
 */
public final class JournalReaderBench {
  private JournalReaderBench() {}

  public static void main(String[] args) throws IOException {
    int segmentMiB = args.length > 0 ? Integer.parseInt(args[0]) : 256;
    int entryKiB = args.length > 1 ? Integer.parseInt(args[1]) : 4096;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
    Namespace namespace = Namespace.builder().register(Namespaces.BASIC).build();
    Path dir = Files.createTempDirectory("berth-journal-bench");
    try {
      System.out.println("| index | entries in the segment | open at the end (ms) | move back 1 (ms) | move back to mid-segment (ms) |");
      System.out.println("| --- | --- | --- | --- | --- |");
      double baseline = 0;
      for (boolean dense : new boolean[] {true, false}) {
        try (SegmentedJournal<byte[]> journal = SegmentedJournal.<byte[]>builder()
            .withName("bench-" + dense).withDirectory(dir.toFile()).withStorageLevel(StorageLevel.MAPPED)
            .withMaxSegmentSize(segmentMiB << 20).withMaxEntrySize((entryKiB << 10) + (1 << 16))
            .withNamespace(namespace).build()) {
          if (dense && !RaftLogIndex.indexEveryEntry(journal)) {
            throw new IllegalStateException("could not index every entry of the journal");
          }
          long last = fill(journal.writer(), segmentMiB, entryKiB);
          double open = median(rounds, () -> { }, () -> {
            try (JournalReader<byte[]> reader = journal.openReader(last + 1)) {
              consume(reader.getNextIndex());
            }
          });
          try (JournalReader<byte[]> reader = journal.openReader(last + 1)) {
            // Each timed move starts from the log's end, put back there untimed.
            double back1 = median(rounds, () -> reader.reset(last + 1), () -> {
              reader.reset(last);
              consume(reader.getCurrentIndex());
            });
            double backHalf = median(rounds, () -> reader.reset(last + 1), () -> {
              reader.reset(last / 2);
              consume(reader.getCurrentIndex());
            });
            if (dense) {
              baseline = back1;
            }
            System.out.printf("| %s | %d | %.1f (%.0fx) | %.1f (%.0fx) | %.1f (%.0fx) |%n",
                dense ? "every entry" : "one in 200 (Atomix's default)", last,
                open, open / baseline, back1, back1 / baseline, backHalf, backHalf / baseline);
          }
        }
      }
      System.out.println("baseline: moving a reader back one entry with every entry indexed (one entry read)");
    } finally {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /** Fills one segment (less a little room) with entries of random bytes; returns the last index. */
  private static long fill(JournalWriter<byte[]> writer, int segmentMiB, int entryKiB) {
    int entries = Math.max(2, (segmentMiB << 10) / entryKiB - 1);
    byte[] entry = new byte[entryKiB << 10];
    ThreadLocalRandom.current().nextBytes(entry);
    for (int i = 0; i < entries; i++) {
      writer.append(entry);
    }
    writer.flush();
    return writer.getLastIndex();
  }

  private static long sink;

  private static void consume(long value) {
    sink += value;
  }

  /** The median wall time of {@code rounds} runs of work (each after an untimed setup), in ms, after one warm-up run. */
  private static double median(int rounds, Runnable setup, Runnable work) {
    setup.run();
    work.run();
    double[] ms = new double[rounds];
    for (int i = 0; i < rounds; i++) {
      setup.run();
      long start = System.nanoTime();
      work.run();
      ms[i] = (System.nanoTime() - start) / 1e6;
    }
    Arrays.sort(ms);
    return ms[rounds / 2];
  }
}
