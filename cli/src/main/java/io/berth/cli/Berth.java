package io.berth.cli;

import io.berth.agent.cli.AgentCommand;
import io.berth.coordinator.cli.CoordinatorCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code berth} command: its subcommands are the whole user interface. */
@Command(
    name = "berth",
    mixinStandardHelpOptions = true,
    version = "berth 0.1.0",
    description = "Run data-processing clusters in containers across hosts, with names that resolve the same everywhere.",
    subcommands = {
      CoordinatorCommand.class,
      AgentCommand.class,
      NodeCommand.class,
      JobCommand.class,
      PsCommand.class,
      LogsCommand.class,
      ClusterCommand.class,
      TokenCommand.class
    })
public final class Berth {

  public static void main(String[] args) {
    CommandLine cli = new CommandLine(new Berth());
    cli.setExecutionExceptionHandler(new ErrorReporter());
    int code = cli.execute(args);
    if (code != 0 || !isServer(args)) {
      System.exit(code);
    }
  }

  /** Long-running commands return only at shutdown. */
  private static boolean isServer(String[] args) {
    return args.length >= 2 && (args[0].equals("coordinator") || args[0].equals("agent")) && args[1].equals("start");
  }
}
