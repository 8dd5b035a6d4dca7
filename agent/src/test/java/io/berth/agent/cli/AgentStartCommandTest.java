package io.berth.agent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.agent.AgentConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class AgentStartCommandTest {

  private record Result(int exitCode, String err) {}

  /** Runs `agent start ARGS` only as far as option validation (no agent is started). */
  private static Result validate(String... args) {
    CommandLine cli = new CommandLine(new AgentCommand());
    StringWriter err = new StringWriter();
    cli.setErr(new PrintWriter(err));
    CommandLine start = cli.getSubcommands().get("start");
    start.setExecutionStrategy(parsed -> {
      ((AgentStartCommand) start.getCommand()).config();
      return 0;
    });
    String[] all = new String[args.length + 1];
    all[0] = "start";
    System.arraycopy(args, 0, all, 1, args.length);
    return new Result(cli.execute(all), err.toString());
  }

  private static AgentConfig parse(String... args) {
    CommandLine cli = new CommandLine(new AgentCommand());
    CommandLine.ParseResult r = cli.parseArgs(prepend("start", args));
    return ((AgentStartCommand) r.subcommand().commandSpec().userObject()).config();
  }

  private static String[] prepend(String first, String[] rest) {
    String[] all = new String[rest.length + 1];
    all[0] = first;
    System.arraycopy(rest, 0, all, 1, rest.length);
    return all;
  }

  @Test
  void appliesDefaultsAndParsesEveryOption() {
    AgentConfig c = parse("--coordinator", "10.0.0.1:7070,10.0.0.2:7070", "--token", "T",
        "--address", "10.99.0.11", "--name", "h1", "--labels", "rack=r1,ssd=true");
    assertEquals(List.of("10.0.0.1:7070", "10.0.0.2:7070"), c.coordinators());
    assertEquals("T", c.token());
    assertEquals(URI.create("unix:///var/run/docker.sock"), c.dockerHost());
    assertEquals("10.99.0.11", c.address());
    assertEquals("h1", c.name());
    assertEquals(Map.of("rack", "r1", "ssd", "true"), c.labels());
    assertEquals(Path.of("/var/lib/berth-agent"), c.dataDir());
    assertEquals(Duration.ofSeconds(10), c.resyncInterval());

    AgentConfig d = parse("--coordinator", "c:7070", "--token", "T", "--docker",
        "unix:///run/h1/docker.sock", "--data-dir", "/tmp/x");
    assertEquals(URI.create("unix:///run/h1/docker.sock"), d.dockerHost());
    assertEquals(Path.of("/tmp/x"), d.dataDir());
    assertTrue(!d.name().isEmpty(), "the host name by default");
  }

  @Test
  void badOptionsExitNonZeroWithAClearMessage() {
    Map<String[], String> cases = Map.of(
        new String[] {"--token", "T"}, "--coordinator",
        new String[] {"--coordinator", "c:7070", "--ca-file", "/nonexistent/ca.crt"}, "--ca-file: no file",
        new String[] {"--coordinator", "c", "--token", "T"}, "not HOST:PORT",
        new String[] {"--coordinator", "c:7070", "--token", "T", "--labels", "x"},
            "--labels: label 'x' is not key=value",
        new String[] {"--coordinator", "c:7070", "--token", "T", "--address", "nohost"},
            "--address: 'nohost' is not an IP address",
        new String[] {"--coordinator", "c:7070", "--token", " "}, "--token must not be empty");
    cases.forEach((args, message) -> {
      Result r = validate(args);
      assertEquals(2, r.exitCode(), String.join(" ", args));
      assertTrue(r.err().contains(message), "expected '" + message + "' in: " + r.err());
    });
  }

  @Test
  void agentWithoutSubcommandIsAUsageError() {
    CommandLine cli = new CommandLine(new AgentCommand());
    StringWriter err = new StringWriter();
    cli.setErr(new PrintWriter(err));
    assertEquals(2, cli.execute());
    assertTrue(err.toString().contains("missing subcommand"), err.toString());
  }
}
