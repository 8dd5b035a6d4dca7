package io.berth.coordinator.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.tls.PrivateFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What the CLI needs to find and call the cluster, in the client config directory (~/.berth by
 * default; {@code BERTH_CONFIG_DIR} or {@code --config-dir} choose another, so several clusters on
 * one machine keep their credentials apart): {@code config.json} (the coordinator, the CA's
 * fingerprint) next to the admin credential ({@code admin.key} 0600, {@code admin.crt},
 * {@code ca.crt}). {@code BERTH_CONFIG} names a config.json directly (its directory holds the rest).
 */
public record ClientConfig(String coordinator, String caFingerprint) {
  private static final ObjectMapper JSON = new ObjectMapper();
  public static final String FILE = "config.json";

  /** The client config directory: the override if given, else BERTH_CONFIG_DIR, BERTH_CONFIG's, ~/.berth. */
  public static Path directory(Path override) {
    if (override != null) {
      return override.toAbsolutePath();
    }
    String dir = System.getenv("BERTH_CONFIG_DIR");
    if (dir != null && !dir.isEmpty()) {
      return Path.of(dir).toAbsolutePath();
    }
    String file = System.getenv("BERTH_CONFIG");
    if (file != null && !file.isEmpty()) {
      return Path.of(file).toAbsolutePath().getParent();
    }
    return Path.of(System.getProperty("user.home"), ".berth");
  }

  public static Path file(Path directory) {
    String env = System.getenv("BERTH_CONFIG");
    if (env != null && !env.isEmpty() && Path.of(env).toAbsolutePath().getParent().equals(directory)) {
      return Path.of(env).toAbsolutePath();
    }
    return directory.resolve(FILE);
  }

  public static Path defaultPath() {
    return file(directory(null));
  }

  public static Optional<ClientConfig> load(Path path) {
    if (!Files.isRegularFile(path)) {
      return Optional.empty();
    }
    try {
      var node = JSON.readTree(path.toFile());
      return Optional.of(new ClientConfig(node.path("coordinator").asText(""), node.path("caFingerprint").asText("")));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + path + ": " + e.getMessage(), e);
    }
  }

  public void save(Path path) throws IOException {
    PrivateFiles.directory(path.toAbsolutePath().getParent());
    PrivateFiles.write(path, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(this));
  }
}
