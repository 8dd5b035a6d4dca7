package io.berth.e2e.lab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a local command with a deadline and keeps its combined output. */
public final class Command {
  private Command() {}

  /** What a command did: its exit code and its stdout and stderr together. */
  public record Result(int exit, String out) {
    public boolean ok() {
      return exit == 0;
    }
  }

  public static Result run(Duration timeout, List<String> command) {
    Path out = null;
    try {
      // A file, not a pipe: a chatty command cannot block on a full pipe while we wait for it.
      out = Files.createTempFile("berth-lab-cmd", ".out");
      Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        p.waitFor(5, TimeUnit.SECONDS);
        return new Result(-1, "timed out after " + timeout + ": " + String.join(" ", command) + "\n"
            + Files.readString(out, StandardCharsets.UTF_8));
      }
      return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + command + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running " + command, e);
    } finally {
      if (out != null) {
        try {
          Files.deleteIfExists(out);
        } catch (IOException ignored) {
          // a temp file left behind is harmless
        }
      }
    }
  }

  /** Runs the command and fails the test with its output when it does not exit 0. */
  public static String check(Duration timeout, List<String> command) {
    Result r = run(timeout, command);
    if (!r.ok()) {
      throw new AssertionError(String.join(" ", command) + " exited " + r.exit() + ":\n" + r.out());
    }
    return r.out();
  }
}
