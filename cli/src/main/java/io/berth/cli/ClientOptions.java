package io.berth.cli;

import picocli.CommandLine.Option;

/** Options every client command takes. */
final class ClientOptions {
  @Option(names = "--coordinator", paramLabel = "HOST:PORT",
      description = "The coordinator to ask (default: BERTH_COORDINATOR, then ~/.berth/config.json).")
  String coordinator;

  @Option(names = "--config-dir", paramLabel = "DIR",
      description = "Client config and admin credential (default: BERTH_CONFIG_DIR, else ~/.berth).")
  java.nio.file.Path configDir;

  @Option(names = {"-o", "--output"}, defaultValue = "table", description = "table or json (default ${DEFAULT-VALUE}).")
  String output;

  boolean json() {
    if (!output.equals("table") && !output.equals("json")) {
      throw new ErrorReporter.UserError("-o takes table or json, not " + output);
    }
    return output.equals("json");
  }
}
