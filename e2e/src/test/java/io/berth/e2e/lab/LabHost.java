package io.berth.e2e.lab;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One simulated host of the lab: its node name, its routable address, and its own dockerd
 * (reached through the daemon's socket, the way an operator on that host would).
 */
public record LabHost(String name, String address, Path dockerSocket) {
  private static final Duration DOCKER_TIMEOUT = Duration.ofSeconds(60);
  // /usr/local/bin/docker may be a newer client shadowing the one that matches the daemons.
  private static final String DOCKER = Files.isExecutable(Path.of("/usr/bin/docker")) ? "/usr/bin/docker" : "docker";

  public Command.Result tryDocker(String... args) {
    List<String> cmd = new ArrayList<>(List.of(DOCKER, "-H", "unix://" + dockerSocket));
    cmd.addAll(List.of(args));
    return Command.run(DOCKER_TIMEOUT, cmd);
  }

  public String docker(String... args) {
    Command.Result r = tryDocker(args);
    if (!r.ok()) {
      throw new AssertionError("docker on " + name + " " + String.join(" ", args) + " exited " + r.exit() + ":\n" + r.out());
    }
    return r.out();
  }

  /** A shell command inside one of this host's containers. */
  public Command.Result tryShell(String container, String script) {
    return tryDocker("exec", container, "/bin/sh", "-c", script);
  }

  public String shell(String container, String script) {
    Command.Result r = tryShell(container, script);
    if (!r.ok()) {
      throw new AssertionError("in container " + container + " on " + name + ": `" + script + "` exited "
          + r.exit() + ":\n" + r.out());
    }
    return r.out().trim();
  }

  /** Ids of this host's running containers with a label value. */
  public List<String> runningContainers(String label, String value) {
    String out = docker("ps", "-q", "--no-trunc", "--filter", "label=" + label + "=" + value).trim();
    return out.isEmpty() ? List.of() : List.of(out.split("\\s+"));
  }

  @Override
  public String toString() {
    return name + "(" + address + ")";
  }
}
