package io.berth.cli;

import io.berth.proto.RotateTokenRequest;
import io.berth.proto.RotateTokenResponse;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code berth token rotate} */
@Command(name = "token", description = "The cluster's join token.", mixinStandardHelpOptions = true,
    subcommands = {TokenCommand.Rotate.class})
final class TokenCommand {

  @Command(name = "rotate", mixinStandardHelpOptions = true,
      description = "Make a new join secret and print the new token; the old one is refused from now on "
          + "(enrolled nodes are not affected).")
  static final class Rotate implements Callable<Integer> {
    @Mixin ClientOptions options;

    @Override
    public Integer call() {
      boolean json = options.json();
      try (ControlClient c = ControlClient.connect(options)) {
        RotateTokenResponse r = c.api().rotateToken(RotateTokenRequest.getDefaultInstance());
        if (json) {
          Json.print(r);
        } else {
          System.out.println(r.getToken());
        }
        return 0;
      }
    }
  }
}
