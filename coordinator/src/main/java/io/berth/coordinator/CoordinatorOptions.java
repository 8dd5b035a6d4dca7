package io.berth.coordinator;

import java.nio.file.Path;
import java.time.Duration;

/** How to run one coordinator process; defaults follow DESIGN.md. */
public record CoordinatorOptions(
    Path dataDir,
    boolean bootstrap,
    String bind,
    String advertise,
    int grpcPort,
    int dnsPort,
    int raftPort,
    String zone,
    Duration heartbeatInterval,
    Duration nodeTtl,
    long dnsTtlSeconds,
    java.util.List<String> peers,
    io.berth.coordinator.state.StoreConfig.Timings raftTimings,
    java.util.List<String> dnsUpstreams,
    java.util.List<String> dnsClientNetworks,
    Duration nodeCertValidity,
    int httpPort,
    boolean httpPortRequired,
    Path agentBundle,
    boolean addMember,
    int raftSegmentBytes) {

  /** A member of the group as created (not one added to a running group). */
  public CoordinatorOptions(Path dataDir, boolean bootstrap, String bind, String advertise, int grpcPort, int dnsPort,
      int raftPort, String zone, Duration heartbeatInterval, Duration nodeTtl, long dnsTtlSeconds,
      java.util.List<String> peers, io.berth.coordinator.state.StoreConfig.Timings raftTimings,
      java.util.List<String> dnsUpstreams, java.util.List<String> dnsClientNetworks, Duration nodeCertValidity,
      int httpPort, boolean httpPortRequired, Path agentBundle) {
    this(dataDir, bootstrap, bind, advertise, grpcPort, dnsPort, raftPort, zone, heartbeatInterval, nodeTtl,
        dnsTtlSeconds, peers, raftTimings, dnsUpstreams, dnsClientNetworks, nodeCertValidity, httpPort,
        httpPortRequired, agentBundle, false, io.berth.coordinator.state.StoreConfig.DEFAULT_SEGMENT_BYTES);
  }

  /** The Raft address other members reach this one at. */
  public String raftAddress() {
    return advertise + ":" + raftPort;
  }
}
