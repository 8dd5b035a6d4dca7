package io.berth.coordinator.diagnostics;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What this JVM's threads and collectors did over an interval: the CPU each thread used, the
 * stacks of the busiest and of the named ones, the collectors' time. It tells apart a thread that
 * holds the others up while it works, one that waits on a lock, and one starved while others ran.
 */
public final class ThreadActivity {
  private static final int DEPTH = 14;

  private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
  private final List<String> watchedPrefixes;
  private final int busiest;
  private Map<Long, Long> cpuAtMark = Map.of();
  private Map<String, Long> gcAtMark = Map.of();
  private long markedAtNanos = System.nanoTime();

  /**
   * @param watchedPrefixes names of the threads whose stacks are always shown
   * @param busiest how many of the threads that used the most CPU are shown besides
   */
  public ThreadActivity(List<String> watchedPrefixes, int busiest) {
    this.watchedPrefixes = List.copyOf(watchedPrefixes);
    this.busiest = busiest;
  }

  /** Starts a new interval. */
  public synchronized void mark() {
    cpuAtMark = cpuByThread();
    gcAtMark = gcMillis();
    markedAtNanos = System.nanoTime();
  }

  /** The interval since the last mark or report, and starts the next one. */
  public synchronized String report() {
    Map<Long, Long> cpu = cpuByThread();
    Map<String, Long> gc = gcMillis();
    double seconds = (System.nanoTime() - markedAtNanos) / 1e9;
    Map<Long, Long> used = new HashMap<>();
    cpu.forEach((id, ns) -> used.put(id, ns - cpuAtMark.getOrDefault(id, 0L)));

    StringBuilder out = new StringBuilder(String.format("over the last %.1f s: collectors", seconds));
    gc.forEach((name, ms) -> out.append(String.format(" %s %d ms,", name, ms - gcAtMark.getOrDefault(name, 0L))));
    out.append(String.format(" load average %.1f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));

    Set<Long> shown = new LinkedHashSet<>();
    used.entrySet().stream().sorted(Map.Entry.<Long, Long>comparingByValue(Comparator.reverseOrder()))
        .limit(busiest).forEach(e -> shown.add(e.getKey()));
    for (ThreadInfo info : threads.getThreadInfo(cpu.keySet().stream().mapToLong(Long::longValue).toArray())) {
      if (info != null && watchedPrefixes.stream().anyMatch(info.getThreadName()::startsWith)) {
        shown.add(info.getThreadId());
      }
    }
    for (ThreadInfo info : threads.getThreadInfo(shown.stream().mapToLong(Long::longValue).toArray(), DEPTH)) {
      if (info != null) {
        out.append('\n').append(describe(info, used.getOrDefault(info.getThreadId(), 0L) / 1_000_000));
      }
    }
    cpuAtMark = cpu;
    gcAtMark = gc;
    markedAtNanos = System.nanoTime();
    return out.toString();
  }

  private static String describe(ThreadInfo info, long cpuMillis) {
    StringBuilder s = new StringBuilder(String.format("\"%s\" %s, CPU %d ms", info.getThreadName(),
        info.getThreadState(), cpuMillis));
    if (info.getLockName() != null) {
      s.append(" on ").append(info.getLockName());
      if (info.getLockOwnerName() != null) {
        s.append(" held by \"").append(info.getLockOwnerName()).append('"');
      }
    }
    for (StackTraceElement frame : info.getStackTrace()) {
      s.append("\n    at ").append(frame);
    }
    return s.toString();
  }

  private Map<Long, Long> cpuByThread() {
    Map<Long, Long> cpu = new HashMap<>();
    for (long id : threads.getAllThreadIds()) {
      long ns = threads.getThreadCpuTime(id);
      if (ns >= 0) {
        cpu.put(id, ns);
      }
    }
    return cpu;
  }

  private static Map<String, Long> gcMillis() {
    Map<String, Long> ms = new LinkedHashMap<>();
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      ms.put(gc.getName(), Math.max(0, gc.getCollectionTime()));
    }
    return ms;
  }
}
