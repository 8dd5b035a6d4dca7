package io.berth.coordinator;

import io.berth.coordinator.state.StoreConfig;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;

/**
 * This member's identity and its Raft peers, kept in its data dir so a restart rejoins as the
 * same member of the same group. A member's id follows from its Raft address, so every member
 * derives the same ids from the same peer list. The group's membership is fixed when it is
 * created (static Raft membership: see docs/DESIGN.md).
 */
record MemberIdentity(String memberId, String host, int raftPort, List<String> peers) {
  private static final String FILE = "member.properties";

  static String idOf(String hostPort) {
    return "c-" + hostPort.replace('.', '-').replace(':', '-');
  }

  static MemberIdentity loadOrCreate(Path dataDir, String host, int raftPort, List<String> givenPeers)
      throws IOException {
    String self = host + ":" + raftPort;
    Path file = dataDir.resolve(FILE);
    if (Files.exists(file)) {
      Properties p = new Properties();
      try (Reader r = Files.newBufferedReader(file)) {
        p.load(r);
      }
      MemberIdentity id = new MemberIdentity(p.getProperty("member.id"), p.getProperty("raft.host"),
          Integer.parseInt(p.getProperty("raft.port")), Arrays.asList(p.getProperty("peers", self).split(",")));
      if (!id.host.equals(host) || id.raftPort != raftPort) {
        throw new IllegalStateException("data dir " + dataDir + " belongs to member " + id.memberId + " at "
            + id.host + ":" + id.raftPort + ", not " + self
            + ": start with the same --bind/--advertise and --raft-port, or use another --data-dir");
      }
      if (!givenPeers.isEmpty() && !sameSet(givenPeers, id.peers)) {
        throw new IllegalStateException("data dir " + dataDir + " belongs to a cluster of " + id.peers
            + ", not " + givenPeers + ": the membership is fixed when the cluster is created");
      }
      return id;
    }
    List<String> peers = givenPeers.isEmpty() ? List.of(self) : List.copyOf(givenPeers);
    if (!peers.contains(self)) {
      throw new IllegalStateException("this member's Raft address " + self + " is not among the peers " + peers
          + ": list every member's --advertise:--raft-port in --peers, this one included");
    }
    Files.createDirectories(dataDir);
    MemberIdentity id = new MemberIdentity(idOf(self), host, raftPort, peers);
    Properties p = new Properties();
    p.setProperty("member.id", id.memberId);
    p.setProperty("raft.host", host);
    p.setProperty("raft.port", Integer.toString(raftPort));
    p.setProperty("peers", String.join(",", peers));
    try (Writer w = Files.newBufferedWriter(file)) {
      p.store(w, "Berth coordinator member identity: do not edit");
    }
    return id;
  }

  private static boolean sameSet(List<String> a, List<String> b) {
    return new java.util.HashSet<>(a).equals(new java.util.HashSet<>(b));
  }

  StoreConfig storeConfig(Path dataDir, StoreConfig.Timings timings) {
    List<String> members = new ArrayList<>();
    for (String peer : peers) {
      members.add(idOf(peer) + "@" + peer);
    }
    return new StoreConfig(memberId, host, raftPort, dataDir, members, timings);
  }

  boolean isNew(Path dataDir) {
    return !Files.exists(dataDir.resolve("raft"));
  }
}
