package io.berth.coordinator;

import io.berth.coordinator.state.StoreConfig;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Properties;

/**
 * This member's identity and its Raft peers, kept in its data dir so a restart rejoins as the
 * same member of the same group. A member's id follows from its Raft address, so every member
 * derives the same ids from the same peer list.
 *
 * @param joined true for a member added to a running group (`--join` when it was not in the Raft
 *     configuration): its Raft server joins instead of bootstrapping
 * @param peers the Raft addresses this member last knew in the configuration: where it looks for
 *     the group when it restarts (kept current by {@link #rememberPeers})
 * @param bootstrapPeers the members the group was created with (`--peers`; empty for a joined member)
 */
public record MemberIdentity(String memberId, String host, int raftPort, List<String> peers, boolean joined,
    List<String> bootstrapPeers) {
  private static final String FILE = "member.properties";

  public static String idOf(String hostPort) {
    return "c-" + hostPort.replace('.', '-').replace(':', '-');
  }

  /** True when the data dir already holds a member (a restart). */
  public static boolean existsIn(Path dataDir) {
    return Files.exists(dataDir.resolve(FILE));
  }

  /**
   * @param givenPeers the peers given on the command line (`--peers`) or handed over at join
   * @param join true when the member is added to a running group (see {@link #joined})
   */
  public static MemberIdentity loadOrCreate(Path dataDir, String host, int raftPort, List<String> givenPeers, boolean join)
      throws IOException {
    String self = host + ":" + raftPort;
    Path file = dataDir.resolve(FILE);
    if (Files.exists(file)) {
      Properties p = load(file);
      List<String> peers = Arrays.asList(p.getProperty("peers", self).split(","));
      MemberIdentity id = new MemberIdentity(p.getProperty("member.id"), p.getProperty("raft.host"),
          Integer.parseInt(p.getProperty("raft.port")), peers, Boolean.parseBoolean(p.getProperty("raft.joined")),
          Arrays.asList(p.getProperty("bootstrap.peers", p.getProperty("peers", self)).split(",")));
      if (!id.host.equals(host) || id.raftPort != raftPort) {
        throw new IllegalStateException("data dir " + dataDir + " belongs to member " + id.memberId + " at "
            + id.host + ":" + id.raftPort + ", not " + self
            + ": start with the same --bind/--advertise and --raft-port, or use another --data-dir");
      }
      if (!givenPeers.isEmpty() && !id.joined && !sameSet(givenPeers, id.bootstrapPeers)) {
        throw new IllegalStateException("data dir " + dataDir + " belongs to a cluster created with " + id.bootstrapPeers
            + ", not " + givenPeers + ": members are added with --join and taken out with `berth cluster remove`");
      }
      return id;
    }
    List<String> peers = givenPeers.isEmpty() ? List.of(self) : List.copyOf(givenPeers);
    if (!join && !peers.contains(self)) {
      throw new IllegalStateException("this member's Raft address " + self + " is not among the peers " + peers
          + ": list every member's --advertise:--raft-port in --peers, this one included");
    }
    Files.createDirectories(dataDir);
    MemberIdentity id = new MemberIdentity(idOf(self), host, raftPort, peers, join, join ? List.of() : peers);
    Properties p = new Properties();
    p.setProperty("member.id", id.memberId);
    p.setProperty("raft.host", host);
    p.setProperty("raft.port", Integer.toString(raftPort));
    p.setProperty("peers", String.join(",", peers));
    p.setProperty("raft.joined", Boolean.toString(join));
    if (!join) {
      p.setProperty("bootstrap.peers", String.join(",", peers));
    }
    store(file, p);
    return id;
  }

  /**
   * Writes the Raft addresses of the current configuration as the peers to look for at the next
   * start (when they changed): after members came and went, the ones it was created with may all be gone.
   */
  static void rememberPeers(Path dataDir, List<String> current) throws IOException {
    Path file = dataDir.resolve(FILE);
    List<String> known = current.stream().filter(a -> !a.isEmpty()).toList();
    if (known.isEmpty() || !Files.exists(file)) {
      return;
    }
    Properties p = load(file);
    if (!p.containsKey("bootstrap.peers") && !Boolean.parseBoolean(p.getProperty("raft.joined"))) {
      p.setProperty("bootstrap.peers", p.getProperty("peers", "")); // files from before membership changes
    }
    String joined = String.join(",", new LinkedHashSet<>(known));
    if (!joined.equals(p.getProperty("peers"))) {
      p.setProperty("peers", joined);
      store(file, p);
    }
  }

  private static Properties load(Path file) throws IOException {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file)) {
      p.load(r);
    }
    return p;
  }

  private static void store(Path file, Properties p) throws IOException {
    Path tmp = file.resolveSibling(FILE + ".tmp");
    try (Writer w = Files.newBufferedWriter(tmp)) {
      p.store(w, "Berth coordinator member identity: do not edit");
    }
    Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  private static boolean sameSet(List<String> a, List<String> b) {
    return new java.util.HashSet<>(a).equals(new java.util.HashSet<>(b));
  }

  StoreConfig storeConfig(Path dataDir, StoreConfig.Timings timings) {
    List<String> members = new ArrayList<>();
    for (String peer : peers) {
      members.add(idOf(peer) + "@" + peer);
    }
    StoreConfig c = new StoreConfig(memberId, host, raftPort, dataDir, members, timings);
    return joined ? c.joining() : c;
  }

  boolean isNew(Path dataDir) {
    return !Files.exists(dataDir.resolve("raft"));
  }
}
