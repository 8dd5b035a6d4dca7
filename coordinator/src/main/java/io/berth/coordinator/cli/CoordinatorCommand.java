package io.berth.coordinator.cli;

import picocli.CommandLine.Command;

/** {@code berth coordinator ...} */
@Command(name = "coordinator", description = "Run a coordinator.", subcommands = {CoordinatorStartCommand.class, AdminCredentialCommand.class},
    mixinStandardHelpOptions = true)
public final class CoordinatorCommand {}
