package io.berth.agent.testing;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * A dockerd of the test's own (own socket, data and exec roots, own network namespace, no bridge,
 * no iptables), started through scripts/dockerd-up.sh, so a test can stop and restart it without
 * disturbing the machine's daemon.
 */
public final class PrivateDockerd implements AutoCloseable {

  private static final Path SCRIPTS = locateScripts();

  private final Path dir;
  private final Map<String, String> env;

  private PrivateDockerd(Path dir) {
    this.dir = dir;
    this.env = Map.of(
        "DOCKER_SOCK", dir.resolve("docker.sock").toString(),
        "DOCKER_DATA_ROOT", dir.resolve("data").toString(),
        "DOCKER_EXEC_ROOT", dir.resolve("exec").toString(),
        "DOCKER_PIDFILE", dir.resolve("dockerd.pid").toString(),
        "DOCKER_LOG", dir.resolve("dockerd.log").toString(),
        // Its own network namespace: with the bridge disabled, a daemon in the root namespace
        // would delete docker0 and break the machine's daemon.
        "DOCKERD_WRAPPER", "unshare --net --",
        "DOCKERD_EXTRA_ARGS", "--bridge=none --iptables=false --ip-masq=false",
        "DOCKER_HOST", "unix://" + dir.resolve("docker.sock"));
  }

  /** Skips (fails under CI=true) when this machine cannot run a second dockerd. */
  public static PrivateDockerd startIn(Path dir) {
    String problem = null;
    if (SCRIPTS == null) {
      problem = "scripts/dockerd-up.sh not found";
    } else if (!Files.isExecutable(Path.of("/usr/sbin/dockerd"))) {
      problem = "no /usr/sbin/dockerd";
    } else if (!"root".equals(System.getProperty("user.name"))) {
      problem = "a private dockerd needs root";
    } else if (!Files.isExecutable(Path.of("/usr/bin/unshare"))) {
      problem = "no /usr/bin/unshare";
    }
    if (problem != null) {
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        Assertions.fail("CI=true and a private dockerd is required: " + problem);
      }
      Assumptions.abort("skipping: " + problem);
    }
    PrivateDockerd d = new PrivateDockerd(dir);
    d.start();
    d.run(List.of(SCRIPTS.resolve("images.sh").toString(), "busybox"));
    return d;
  }

  public URI uri() {
    return URI.create(env.get("DOCKER_HOST"));
  }

  public void start() {
    run(List.of(SCRIPTS.resolve("dockerd-up.sh").toString()));
  }

  /** Stops the daemon (SIGTERM: it stops its containers) and waits until it is gone. */
  public void stop() {
    Path pidFile = dir.resolve("dockerd.pid");
    if (!Files.exists(pidFile)) {
      return;
    }
    try {
      long pid = Long.parseLong(Files.readString(pidFile).trim());
      ProcessHandle.of(pid).ifPresent(p -> {
        p.destroy();
        p.onExit().orTimeout(60, TimeUnit.SECONDS).join();
      });
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private void run(List<String> command) {
    try {
      ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
      pb.environment().putAll(env);
      Process p = pb.start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(90, TimeUnit.SECONDS) || p.exitValue() != 0) {
        Assertions.fail(String.join(" ", command) + " failed:\n" + out);
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    stop();
    // dockerd leaves its default network namespace mounted under exec-root after it stops:
    // unmount whatever is left under our directory, then remove it so runs do not pile up.
    List<String> command = new ArrayList<>();
    command.add("sh");
    command.add("-c");
    command.add("awk -v d=\"$1\" 'index($2, d) == 1 {print $2}' /proc/self/mounts"
        + " | sort -r | while read -r m; do umount \"$m\" || umount -l \"$m\"; done;"
        + " rm -rf \"$1\"");
    command.add("cleanup");
    command.add(dir.toString());
    try {
      new ProcessBuilder(command).inheritIO().start().waitFor(60, TimeUnit.SECONDS);
    } catch (IOException e) {
      // best effort
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static Path locateScripts() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isExecutable(p.resolve("scripts/dockerd-up.sh"))) {
        return p.resolve("scripts");
      }
    }
    return null;
  }

}
