package io.berth.agent.cli;

import picocli.CommandLine.Command;

/** `berth agent ...`: the per-host agent. The top-level `berth` command mounts this one. */
@Command(
    name = "agent",
    description = "Run the per-host agent that runs a node's tasks in Docker.",
    mixinStandardHelpOptions = true,
    subcommands = {AgentStartCommand.class})
public final class AgentCommand implements Runnable {

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(),
        "missing subcommand: try 'agent start --help'");
  }
}
