package io.berth.agent.enrol;

import io.berth.tls.CredentialFiles;
import io.berth.tls.GrpcTls;
import io.berth.tls.TlsMaterial;
import io.grpc.ChannelCredentials;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * This node's certificate and key ({@code <data-dir>/tls/node.key} 0600, {@code node.crt},
 * {@code ca.crt}) and the one in use now: a renewal swaps it, and the next TLS handshake shows it.
 */
public final class NodeCredential {
  private final CredentialFiles files;
  private final AtomicReference<TlsMaterial> current = new AtomicReference<>();

  public NodeCredential(Path dataDir) {
    this.files = new CredentialFiles(dataDir.resolve("tls"), "node");
  }

  public CredentialFiles files() {
    return files;
  }

  /** What the data dir holds, if anything. */
  public Optional<TlsMaterial> stored() throws IOException {
    return files.load();
  }

  /** Saves a new certificate and starts using it. */
  public void replace(TlsMaterial material) throws IOException {
    files.save(material);
    current.set(material);
  }

  public void use(TlsMaterial material) {
    current.set(material);
  }

  public TlsMaterial current() {
    TlsMaterial m = current.get();
    if (m == null) {
      throw new IllegalStateException("no node certificate loaded");
    }
    return m;
  }

  /** mTLS credentials for dialling coordinators: trust the cluster CA, show the current certificate. */
  public ChannelCredentials channelCredentials() {
    return GrpcTls.client(current().ca(), current::get);
  }

  public static boolean usable(TlsMaterial m, Instant now) {
    return m.certificate().getNotAfter().toInstant().isAfter(now);
  }
}
