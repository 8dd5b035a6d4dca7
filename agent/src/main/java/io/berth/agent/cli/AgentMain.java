package io.berth.agent.cli;

import picocli.CommandLine;

/** Runs `agent ...` on its own (the `berth` launcher normally mounts {@link AgentCommand}). */
public final class AgentMain {

  private AgentMain() {}

  public static void main(String[] args) {
    System.exit(new CommandLine(new AgentCommand()).execute(args));
  }
}
