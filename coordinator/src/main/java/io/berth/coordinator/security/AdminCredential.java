package io.berth.coordinator.security;

import io.berth.tls.CredentialFiles;
import io.berth.tls.TlsMaterial;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The CLI's admin credential: {@code admin.key} (0600), {@code admin.crt} and {@code ca.crt} in
 * the client config directory (~/.berth by default). Written at bootstrap and by
 * {@code berth coordinator admin-credential}.
 */
public final class AdminCredential {
  public static final String NAME = "admin";

  private AdminCredential() {}

  public static CredentialFiles files(Path configDir) {
    return new CredentialFiles(configDir, NAME);
  }

  public static void write(ClusterCa ca, Path configDir) throws IOException {
    TlsMaterial admin = ca.issueAdmin(NAME);
    files(configDir).save(admin);
  }
}
