package io.berth.coordinator.state;

import java.nio.file.Path;
import java.util.List;

/**
 * Where this member's Raft lives and who its peers are.
 *
 * @param memberId this member's stable id (kept in the data dir across restarts)
 * @param host the address Raft binds to and peers reach this member at
 * @param port the Raft port
 * @param dataDir the directory holding the Raft logs and snapshots
 * @param members every member of the group, this one included, as {@code id@host:port}
 */
public record StoreConfig(String memberId, String host, int port, Path dataDir, List<String> members) {

  public StoreConfig {
    members = List.copyOf(members);
  }

  /** A one-member group: the bootstrap case. */
  public static StoreConfig single(String memberId, String host, int port, Path dataDir) {
    return new StoreConfig(memberId, host, port, dataDir, List.of(memberId + "@" + host + ":" + port));
  }
}
