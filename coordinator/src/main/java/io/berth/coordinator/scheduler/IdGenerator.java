package io.berth.coordinator.scheduler;

import java.security.SecureRandom;

/** Where new allocation ids come from; injected so scheduler tests are deterministic. */
@FunctionalInterface
public interface IdGenerator {

  /** A short lowercase hex id, unique enough to tell two placements of one task apart. */
  String next();

  static IdGenerator random() {
    SecureRandom rnd = new SecureRandom();
    return () -> String.format("%08x", rnd.nextInt());
  }
}
