package io.berth.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A `bin/berth` OS process (coordinator or agent) with its output kept in a log file. */
public final class BerthProcess implements AutoCloseable {
  final Process process;
  final Path log;

  private BerthProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  public static Path home() {
    String h = System.getenv("BERTH_HOME");
    return Path.of(h == null ? ".." : h).toAbsolutePath().normalize();
  }

  public static Path launcher() {
    return home().resolve("bin/berth");
  }

  public static BerthProcess start(Path log, String... args) throws IOException {
    return start(log, Map.of(), args);
  }

  /** With extra environment, e.g. BERTH_CONFIG_DIR so each test cluster keeps its own credentials. */
  public static BerthProcess start(Path log, Map<String, String> env, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(launcher().toString());
    cmd.addAll(List.of(args));
    Files.createDirectories(log.getParent());
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(env);
    return new BerthProcess(pb.start(), log);
  }

  public String output() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  void awaitOutput(String text, Duration timeout) {
    Await.until("'" + text + "' in " + log, timeout, () -> {
      if (!process.isAlive() && !output().contains(text)) {
        throw new AssertionError(log + ": process exited with " + process.exitValue() + ":\n" + output());
      }
      return output().contains(text);
    });
  }

  /** kill -9, as a crash would. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(15, TimeUnit.SECONDS)) {
      kill();
    }
  }

  /** The result of a short CLI command. */
  public record Result(int exit, String out, String err) {}

  public static Result run(Duration timeout, String... args) throws IOException, InterruptedException {
    return run(timeout, Map.of(), args);
  }

  public static Result run(Duration timeout, Map<String, String> env, String... args)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(launcher().toString());
    cmd.addAll(List.of(args));
    Path out = Files.createTempFile("berth-out", ".txt");
    Path err = Files.createTempFile("berth-err", ".txt");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().putAll(env);
    Process p = pb.start();
    if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("berth " + String.join(" ", args) + " did not finish in " + timeout);
    }
    Result r = new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    Files.deleteIfExists(out);
    Files.deleteIfExists(err);
    return r;
  }
}
