package io.berth.coordinator.state;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Where this member's Raft lives, who its peers are, and how fast it reacts to a dead leader.
 *
 * @param memberId this member's stable id (kept in the data dir across restarts)
 * @param host the address Raft binds to and peers reach this member at
 * @param port the Raft port
 * @param dataDir the directory holding the Raft logs and snapshots
 * @param members every member of the group, this one included, as {@code id@host:port}
 * @param timings election timeout, heartbeat and session timeout
 * @param tls the key stores for mutual TLS between members, or null for plaintext (tests)
 * @param segmentBytes the size of one Raft log segment file ({@link #DEFAULT_SEGMENT_BYTES})
 * @param join true for a member added to a running group (a Raft configuration change through
 *     {@code members}, which then need not list this one); false for a member of the group as
 *     created, which bootstraps with {@code members}. A restart goes by the configuration on disk either way.
 */
public record StoreConfig(String memberId, String host, int port, Path dataDir, List<String> members, Timings timings,
    TransportTls tls, boolean join, int segmentBytes) {
  /**
   * Raft snapshots the state and drops whole segments behind it: disk stays near a few segments.
   * A follower that falls further behind the leader than the log kept is sent the whole snapshot
   * instead, in 32 KiB requests (Atomix), so larger segments let a slow follower catch up from
   * the log for longer.
   */
  public static final int DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;

  public StoreConfig {
    members = List.copyOf(members);
    if (segmentBytes < 1024 * 1024) {
      throw new IllegalArgumentException("a Raft log segment of " + segmentBytes + " bytes: at least 1 MiB");
    }
  }

  public StoreConfig(String memberId, String host, int port, Path dataDir, List<String> members, Timings timings,
      TransportTls tls) {
    this(memberId, host, port, dataDir, members, timings, tls, false, DEFAULT_SEGMENT_BYTES);
  }

  public StoreConfig(String memberId, String host, int port, Path dataDir, List<String> members, Timings timings) {
    this(memberId, host, port, dataDir, members, timings, null, false, DEFAULT_SEGMENT_BYTES);
  }

  /** The same member with mutual TLS on its Raft transport. */
  public StoreConfig withTls(TransportTls transportTls) {
    return new StoreConfig(memberId, host, port, dataDir, members, timings, transportTls, join, segmentBytes);
  }

  /** The same member, added to the running group of {@code members} instead of bootstrapping one. */
  public StoreConfig joining() {
    return new StoreConfig(memberId, host, port, dataDir, members, timings, tls, true, segmentBytes);
  }

  /** The same member with Raft log segments of {@code bytes}. */
  public StoreConfig withSegmentBytes(int bytes) {
    return new StoreConfig(memberId, host, port, dataDir, members, timings, tls, join, bytes);
  }

  /**
   * PKCS#12 files for the Raft transport (Atomix reads them by path): this member's key and
   * certificate, and the cluster CA as the only trust anchor. Peers must present a certificate
   * the CA signed, and so must this member to them.
   */
  public record TransportTls(Path keyStore, Path trustStore, String password) {
    @Override
    public String toString() {
      return "TransportTls[" + keyStore + ", " + trustStore + "]"; // never the password
    }
  }

  /**
   * Raft timings. A follower starts an election after {@code election} to 2x{@code election}
   * without hearing the leader, who sends a heartbeat every {@code heartbeat}.
   */
  public record Timings(Duration election, Duration heartbeat, Duration session) {
    public Timings {
      if (heartbeat.compareTo(election.dividedBy(2)) > 0) {
        throw new IllegalArgumentException("the Raft heartbeat (" + heartbeat.toMillis()
            + " ms) must be at most half the election timeout (" + election.toMillis() + " ms)");
      }
      if (session.compareTo(election) <= 0) {
        throw new IllegalArgumentException("the Raft session timeout (" + session.toMillis()
            + " ms) must be longer than the election timeout (" + election.toMillis() + " ms)");
      }
    }

    /**
     * The timings for an election timeout and heartbeat chosen by the operator: the default
     * session timeout, or twice the election timeout when that is longer. Atomix refuses a
     * session timeout not longer than the election timeout (the member did not start), and a
     * client's session should outlive the election that follows a leader's death.
     */
    public static Timings of(Duration election, Duration heartbeat) {
      Duration session = defaults().session();
      Duration twice = election.multipliedBy(2);
      return new Timings(election, heartbeat, twice.compareTo(session) > 0 ? twice : session);
    }

    /** Fast failover that survived a loaded 2-core machine without spurious elections (docs/BENCHMARKS.md). */
    public static Timings defaults() {
      return new Timings(Duration.ofMillis(500), Duration.ofMillis(100), Duration.ofSeconds(5));
    }
  }

  /** A one-member group: the bootstrap case. */
  public static StoreConfig single(String memberId, String host, int port, Path dataDir) {
    return new StoreConfig(memberId, host, port, dataDir, List.of(memberId + "@" + host + ":" + port),
        Timings.defaults());
  }
}
