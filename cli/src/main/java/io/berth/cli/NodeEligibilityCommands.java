package io.berth.cli;

import io.berth.proto.NodeEligibilityRequest;
import io.berth.proto.NodeEligibilityResponse;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code berth node drain NODE} and {@code berth node eligible NODE}. */
final class NodeEligibilityCommands {
  private NodeEligibilityCommands() {}

  @Command(name = "drain", description = "Take no new work on the node and move its service and global tasks away "
      + "(each replacement is placed elsewhere first; batch tasks finish where they are).",
      mixinStandardHelpOptions = true)
  static final class Drain implements Callable<Integer> {
    @Mixin ClientOptions options;

    @Parameters(paramLabel = "NODE") String node;

    @Override
    public Integer call() {
      NodeEligibilityResponse r = set(options, node, false);
      if (!options.json()) {
        System.out.println("node " + node + " draining: takes no new work; " + r.getTasksToMove()
            + " service/global task(s) to move (follow with `berth ps`)");
      }
      return 0;
    }
  }

  @Command(name = "eligible", description = "Let the node take new work again (undoes drain; moved tasks stay where "
      + "they are).", mixinStandardHelpOptions = true)
  static final class Eligible implements Callable<Integer> {
    @Mixin ClientOptions options;

    @Parameters(paramLabel = "NODE") String node;

    @Override
    public Integer call() {
      set(options, node, true);
      if (!options.json()) {
        System.out.println("node " + node + " eligible for new work");
      }
      return 0;
    }
  }

  private static NodeEligibilityResponse set(ClientOptions options, String node, boolean eligible) {
    try (ControlClient c = ControlClient.connect(options)) {
      NodeEligibilityResponse r = c.api().setNodeEligibility(
          NodeEligibilityRequest.newBuilder().setNode(node).setEligible(eligible).build());
      if (options.json()) {
        Json.print(r);
      }
      return r;
    }
  }
}
