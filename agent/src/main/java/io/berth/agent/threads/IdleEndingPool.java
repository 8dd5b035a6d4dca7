package io.berth.agent.threads;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The agent's worker pools: up to a fixed number of threads at once, and a thread idle for 30 s
 * ends, so an idle agent keeps none of them (the agent's resident memory is a benchmark target).
 */
public final class IdleEndingPool {
  private static final long IDLE_SECONDS = 30;

  private IdleEndingPool() {}

  /** Runs up to {@code threads} tasks at once; the rest wait in {@code queue}. */
  public static ThreadPoolExecutor of(int threads, BlockingQueue<Runnable> queue, ThreadFactory factory) {
    ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, IDLE_SECONDS, TimeUnit.SECONDS,
        queue, factory);
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }
}
