package io.berth.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/** The real Docker engine through its CLI, for checking what Berth did. */
final class Docker {
  private Docker() {}

  static String run(String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add("docker");
    cmd.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("docker " + String.join(" ", args) + " failed: " + out);
      }
      return out;
    } catch (IOException e) {
      throw new IllegalStateException("docker CLI not runnable: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Skips locally when there is no engine or test image; in CI (CI=true) that is a failure. */
  static void requireEngineAndImage(String image) {
    String problem = null;
    try {
      run("version", "--format", "{{.Server.Version}}");
      try {
        run("image", "inspect", image);
      } catch (IllegalStateException e) {
        problem = "test image " + image + " is missing (build it with scripts/images.sh)";
      }
    } catch (IllegalStateException e) {
      problem = "no Docker engine reachable (start one with scripts/dockerd-up.sh): " + e.getMessage();
    }
    if (problem != null) {
      if ("true".equals(System.getenv("CI"))) {
        throw new AssertionError("CI=true but " + problem);
      }
      Assumptions.abort(problem);
    }
  }

  /** Ids of containers carrying a label value, running or not. */
  static List<String> containersWithLabel(String label, String value, boolean runningOnly) {
    List<String> args = new ArrayList<>(List.of("ps", "-q", "--no-trunc", "--filter", "label=" + label + "=" + value));
    if (!runningOnly) {
      args.add(1, "-a");
    }
    String out = run(args.toArray(String[]::new)).trim();
    return out.isEmpty() ? List.of() : List.of(out.split("\\s+"));
  }

  static void removeWithLabel(String label, String value) {
    for (String id : containersWithLabel(label, value, false)) {
      try {
        run("rm", "-f", id);
      } catch (IllegalStateException ignored) {
        // already gone
      }
    }
  }
}
