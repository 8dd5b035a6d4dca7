package io.berth.coordinator;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.UUID;

/**
 * This member's identity, kept in its data dir so a restart rejoins as the same Raft member.
 * A data dir written for one Raft address is refused at another: Raft peers know it by address.
 */
record MemberIdentity(String memberId, String host, int raftPort) {
  private static final String FILE = "member.properties";

  static MemberIdentity loadOrCreate(Path dataDir, String host, int raftPort) throws IOException {
    Path file = dataDir.resolve(FILE);
    if (Files.exists(file)) {
      Properties p = new Properties();
      try (Reader r = Files.newBufferedReader(file)) {
        p.load(r);
      }
      MemberIdentity id = new MemberIdentity(
          p.getProperty("member.id"), p.getProperty("raft.host"), Integer.parseInt(p.getProperty("raft.port")));
      if (!id.host.equals(host) || id.raftPort != raftPort) {
        throw new IllegalStateException("data dir " + dataDir + " belongs to member " + id.memberId + " at "
            + id.host + ":" + id.raftPort + ", not " + host + ":" + raftPort
            + ": start with the same --bind/--advertise and --raft-port, or use another --data-dir");
      }
      return id;
    }
    Files.createDirectories(dataDir);
    MemberIdentity id = new MemberIdentity("c-" + UUID.randomUUID().toString().substring(0, 8), host, raftPort);
    Properties p = new Properties();
    p.setProperty("member.id", id.memberId);
    p.setProperty("raft.host", host);
    p.setProperty("raft.port", Integer.toString(raftPort));
    try (Writer w = Files.newBufferedWriter(file)) {
      p.store(w, "Berth coordinator member identity: do not edit");
    }
    return id;
  }

  boolean isNew(Path dataDir) {
    return !Files.exists(dataDir.resolve("raft"));
  }
}
