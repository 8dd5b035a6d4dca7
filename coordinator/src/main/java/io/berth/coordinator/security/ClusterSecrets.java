package io.berth.coordinator.security;

import io.berth.proto.ClusterMeta;
import io.berth.tls.PrivateFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import java.util.UUID;

/**
 * What a coordinator keeps on its own disk about the cluster's security, in {@code <data-dir>/ca/}
 * (mode 0700): the CA ({@link ClusterCa}), the cluster identity it proposes to the replicated
 * state until one is stored ({@code cluster-meta.pb}, hashes only), and for the member that made
 * the cluster (or last rotated the token) the token itself in {@code <data-dir>/join-token} (0600).
 */
public final class ClusterSecrets {
  static final String META_FILE = "cluster-meta.pb";
  static final String TOKEN_FILE = "join-token";

  private final Path dataDir;
  private final ClusterCa ca;
  private final ClusterMeta proposed;

  private ClusterSecrets(Path dataDir, ClusterCa ca, ClusterMeta proposed) {
    this.dataDir = dataDir;
    this.ca = ca;
    this.proposed = proposed;
  }

  public static Path caDir(Path dataDir) {
    return dataDir.resolve("ca");
  }

  /** True when this data dir already holds a CA (made here or handed over at join). */
  public static boolean present(Path dataDir) {
    return ClusterCa.existsIn(caDir(dataDir)) && Files.isRegularFile(caDir(dataDir).resolve(META_FILE));
  }

  /** Loads what is there, or makes a new cluster's CA, identity and join token. */
  public static ClusterSecrets loadOrCreate(Path dataDir, String zone, Clock clock) throws IOException {
    if (present(dataDir)) {
      return load(dataDir);
    }
    String clusterId = UUID.randomUUID().toString();
    ClusterCa ca = ClusterCa.create(caDir(dataDir), clusterId);
    String secret = JoinToken.newSecret();
    ClusterMeta meta = ClusterMeta.newBuilder()
        .setClusterId(clusterId)
        .setZone(zone.endsWith(".") ? zone : zone + ".")
        .setCaFingerprint(ca.fingerprint())
        .setJoinSecretSha256(JoinToken.secretHash(secret))
        .setCreatedAtMs(clock.millis())
        .build();
    ClusterSecrets s = new ClusterSecrets(dataDir, ca, meta);
    s.writeToken(new JoinToken(ca.fingerprint(), secret));
    PrivateFiles.write(caDir(dataDir).resolve(META_FILE), java.util.Base64.getEncoder().encodeToString(meta.toByteArray()));
    return s;
  }

  public static ClusterSecrets load(Path dataDir) throws IOException {
    ClusterCa ca = ClusterCa.load(caDir(dataDir));
    byte[] raw = java.util.Base64.getDecoder().decode(Files.readString(caDir(dataDir).resolve(META_FILE)).trim());
    return new ClusterSecrets(dataDir, ca, ClusterMeta.parseFrom(raw));
  }

  /** Writes what a member handed over at `--join` (the CA and the cluster identity), replacing any other. */
  public static ClusterSecrets install(Path dataDir, String caKeyPem, String caPem, ClusterMeta meta) throws IOException {
    ClusterCa ca = ClusterCa.install(caDir(dataDir), caKeyPem, caPem);
    if (!ca.fingerprint().equals(meta.getCaFingerprint())) {
      throw new IllegalArgumentException("the CA handed over is not the one the cluster identity names");
    }
    ClusterMeta proposed = meta.toBuilder().clearRevokedNodes().build();
    PrivateFiles.write(caDir(dataDir).resolve(META_FILE), java.util.Base64.getEncoder().encodeToString(proposed.toByteArray()));
    return new ClusterSecrets(dataDir, ca, proposed);
  }

  public ClusterCa ca() {
    return ca;
  }

  /** The identity this member proposes when the replicated state has none yet. */
  public ClusterMeta proposedMeta() {
    return proposed;
  }

  public Path tokenFile() {
    return dataDir.resolve(TOKEN_FILE);
  }

  /** The token in this member's token file if it is still the cluster's current one. */
  public Optional<JoinToken> currentToken(ClusterMeta meta) throws IOException {
    if (!Files.isRegularFile(tokenFile())) {
      return Optional.empty();
    }
    try {
      JoinToken t = JoinToken.parse(Files.readString(tokenFile()).trim());
      return t.admittedBy(meta) ? Optional.of(t) : Optional.empty();
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  public void writeToken(JoinToken token) throws IOException {
    PrivateFiles.write(tokenFile(), token + "\n");
  }
}
