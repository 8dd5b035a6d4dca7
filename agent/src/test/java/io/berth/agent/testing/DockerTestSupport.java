package io.berth.agent.testing;

import io.berth.agent.runtime.DockerContainerRuntime;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Decides whether Docker tests can run: they skip with a clear message when no daemon answers,
 * but fail when CI=true (a CI run without Docker would otherwise pass by testing nothing).
 */
public final class DockerTestSupport {

  public static final URI DOCKER = URI.create(System.getenv().getOrDefault("BERTH_TEST_DOCKER",
      "unix:///var/run/docker.sock"));
  public static final String BUSYBOX = "lab/busybox:1";

  private DockerTestSupport() {}

  /** Skips (or fails under CI) unless Docker answers and has lab/busybox:1. */
  public static void requireDockerWithBusybox() {
    String problem = problem();
    if (problem == null) {
      return;
    }
    String message = problem + " (start it with scripts/dockerd-up.sh and scripts/images.sh)";
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      Assertions.fail("CI=true and Docker is required: " + message);
    }
    Assumptions.abort("skipping Docker test: " + message);
  }

  private static String problem() {
    if ("unix".equals(DOCKER.getScheme()) && !Files.exists(Path.of(DOCKER.getPath()))) {
      return "no Docker socket at " + DOCKER.getPath();
    }
    try (DockerContainerRuntime probe = new DockerContainerRuntime(DOCKER, "probe",
        Path.of(System.getProperty("java.io.tmpdir")), Path.of("/etc/hosts"))) {
      probe.version();
      if (!probe.hasImage(BUSYBOX)) {
        return "image " + BUSYBOX + " is not present";
      }
      return null;
    } catch (RuntimeException e) {
      return "Docker at " + DOCKER + " does not answer: " + e.getMessage();
    }
  }
}
