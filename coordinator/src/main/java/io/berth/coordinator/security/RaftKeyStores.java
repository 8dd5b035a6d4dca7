package io.berth.coordinator.security;

import io.berth.coordinator.state.StoreConfig;
import io.berth.tls.JdkTls;
import io.berth.tls.PrivateFiles;
import io.berth.tls.TlsMaterial;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Writes the key stores the Raft transport reads by path (Atomix takes files, not objects):
 * this member's Raft key and certificate and a trust store holding only their anchor
 * ({@link ClusterCa#issueRaftMember}: nodes' and admins' certificates do not chain to it), both 0600
 * under {@code <data-dir>/tls/}, under a password made for this start and kept only in memory.
 * They are rewritten at every start, with the member certificate issued for that start.
 */
public final class RaftKeyStores {
  private RaftKeyStores() {}

  public static StoreConfig.TransportTls write(Path dataDir, TlsMaterial member) throws IOException {
    byte[] secret = new byte[24];
    new SecureRandom().nextBytes(secret);
    String password = HexFormat.of().formatHex(secret);
    Path dir = PrivateFiles.directory(dataDir.resolve("tls"));
    Path keyStore = dir.resolve("raft-member.p12");
    Path trustStore = dir.resolve("raft-trust.p12");
    PrivateFiles.write(keyStore, bytes(JdkTls.keyStore(member, password.toCharArray()), password));
    PrivateFiles.write(trustStore, bytes(JdkTls.trustStore(member.ca()), password));
    return new StoreConfig.TransportTls(keyStore, trustStore, password);
  }

  private static byte[] bytes(KeyStore store, String password) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      store.store(out, password.toCharArray());
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot write a key store", e);
    }
    return out.toByteArray();
  }
}
