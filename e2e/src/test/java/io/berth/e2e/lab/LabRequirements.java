package io.berth.e2e.lab;

import io.berth.e2e.BerthProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * What the lab needs from this machine. Missing locally, the lab's tests are skipped with the
 * reason; with CI=true a missing requirement is a failure (CI must run them).
 */
public final class LabRequirements {
  private LabRequirements() {}

  static void check() {
    String problem = problem();
    if (problem == null) {
      return;
    }
    if ("true".equals(System.getenv("CI"))) {
      throw new AssertionError("CI=true but the multi-host lab cannot run: " + problem);
    }
    Assumptions.abort("multi-host lab skipped: " + problem);
  }

  /** The workloads' jars are built by the e2e module (e2e/workloads/*): a missing one is a build problem. */
  public static void requireWorkload(String relativePath) {
    Path p = BerthProcess.home().resolve("e2e/target/workloads").resolve(relativePath);
    if (!Files.exists(p)) {
      throw new AssertionError(p + " is missing: build the e2e module (mvn -B -pl e2e verify builds"
          + " e2e/workloads/* from Maven Central)");
    }
  }

  private static String problem() {
    Command.Result id = Command.run(Duration.ofSeconds(10), List.of("id", "-u"));
    if (!id.ok() || !id.out().trim().equals("0")) {
      return "it needs root (network namespaces, one dockerd per simulated host); running as uid " + id.out().trim();
    }
    Command.Result netns = Command.run(Duration.ofSeconds(10), List.of("ip", "netns", "list"));
    if (!netns.ok()) {
      return "`ip netns` does not work here (install iproute2; scripts/setup.sh does): " + netns.out().trim();
    }
    if (!Files.isExecutable(Path.of("/usr/sbin/dockerd")) && !Files.isExecutable(Path.of("/usr/bin/dockerd"))) {
      return "dockerd is not installed (scripts/setup.sh installs docker.io)";
    }
    if (!Files.isExecutable(BerthProcess.launcher())) {
      return "bin/berth missing at " + BerthProcess.launcher();
    }
    return null;
  }
}
