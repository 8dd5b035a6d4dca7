package io.berth.coordinator.http;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The agent bundle this coordinator hands out (built by the bundle module as
 * berth-agent-linux-ARCH.tar.gz): its file, and its sha256, computed once per version of the
 * file (a rebuild while the coordinator runs is picked up by size and modification time).
 */
public final class AgentBundle {
  private final Path file;
  private State cached;

  /** What was read from the file at one size and modification time. */
  private record State(long size, long modified, String sha256) {}

  /** A bundle that is ready to serve. */
  public record Ready(Path file, String name, long size, String sha256) {}

  public AgentBundle(Path file) {
    this.file = file;
  }

  public Path file() {
    return file;
  }

  /** The file's name: the last part of the URL it is served at, /agent/NAME. */
  public String name() {
    return file.getFileName().toString();
  }

  /** The bundle and its checksum, or empty when there is no file (not built, wrong path). */
  public synchronized Optional<Ready> current() throws IOException {
    if (!Files.isRegularFile(file)) {
      cached = null;
      return Optional.empty();
    }
    long size = Files.size(file);
    long modified = Files.getLastModifiedTime(file).toMillis();
    if (cached == null || cached.size != size || cached.modified != modified) {
      cached = new State(size, modified, sha256(file));
    }
    return Optional.of(new Ready(file, name(), cached.size, cached.sha256));
  }

  static String sha256(Path file) throws IOException {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    byte[] buffer = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(file)) {
      for (int n; (n = in.read(buffer)) > 0; ) {
        digest.update(buffer, 0, n);
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  /**
   * Where the build puts the bundle for this machine, under the installation's home (the
   * launcher passes it as berth.home): bundle/target/berth-agent-linux-ARCH.tar.gz.
   */
  public static Path defaultLocation(Path home) {
    return home.resolve("bundle/target").resolve("berth-agent-linux-" + machineArch() + ".tar.gz");
  }

  /** The architecture as `uname -m` names it (install.sh asks for that name). */
  static String machineArch() {
    String arch = System.getProperty("os.arch");
    return switch (arch) {
      case "amd64", "x86_64" -> "x86_64";
      case "aarch64", "arm64" -> "aarch64";
      default -> arch;
    };
  }
}
