package io.berth.agent.retry;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Exponential backoff with full jitter: the n-th wait is uniform in [0, min(cap, base * 2^n)).
 * Full jitter spreads a fleet of agents that lost the same coordinator at the same moment, so they
 * do not all knock on the next one together. Not thread-safe: one per retry loop.
 */
public final class Backoff {

  private final long baseMillis;
  private final long capMillis;
  private final DoubleSupplier random;
  private int attempt;

  public Backoff(Duration base, Duration cap) {
    this(base, cap, Math::random);
  }

  /** @param random uniform in [0, 1); injectable so tests can pin it */
  public Backoff(Duration base, Duration cap, DoubleSupplier random) {
    if (base.isNegative() || base.isZero() || cap.compareTo(base) < 0) {
      throw new IllegalArgumentException("need 0 < base <= cap, got " + base + ", " + cap);
    }
    this.baseMillis = base.toMillis();
    this.capMillis = cap.toMillis();
    this.random = random;
  }

  /** The wait before the next attempt; each call counts one more failure. */
  public Duration next() {
    long ceiling = ceilingMillis(attempt);
    if (attempt < 62) {
      attempt++;
    }
    return Duration.ofMillis((long) (random.getAsDouble() * ceiling));
  }

  /** Call after a success: the next failure waits little again. */
  public void reset() {
    attempt = 0;
  }

  public int attempts() {
    return attempt;
  }

  /** min(cap, base * 2^n), without overflowing for large n. */
  long ceilingMillis(int n) {
    if (n >= 62 || baseMillis > (capMillis >> Math.min(n, 62))) {
      return capMillis;
    }
    return Math.min(capMillis, baseMillis << n);
  }
}
