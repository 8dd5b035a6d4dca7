package io.berth.coordinator.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * What the CLI needs to find and call the cluster, written at bootstrap to ~/.berth/config.json
 * (mode 0600: it will hold the admin credential). {@code BERTH_CONFIG} overrides the path.
 */
public record ClientConfig(String coordinator, String token) {
  private static final ObjectMapper JSON = new ObjectMapper();

  public static Path defaultPath() {
    String env = System.getenv("BERTH_CONFIG");
    if (env != null && !env.isEmpty()) {
      return Path.of(env);
    }
    return Path.of(System.getProperty("user.home"), ".berth", "config.json");
  }

  public static Optional<ClientConfig> load(Path path) {
    if (!Files.isRegularFile(path)) {
      return Optional.empty();
    }
    try {
      var node = JSON.readTree(path.toFile());
      return Optional.of(new ClientConfig(node.path("coordinator").asText(""), node.path("token").asText("")));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + path + ": " + e.getMessage(), e);
    }
  }

  public void save(Path path) throws IOException {
    Files.createDirectories(path.getParent());
    Path tmp = path.resolveSibling(path.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), this);
    Files.move(tmp, path, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }
}
