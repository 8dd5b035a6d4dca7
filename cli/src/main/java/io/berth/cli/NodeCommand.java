package io.berth.cli;

import io.berth.proto.ListNodesRequest;
import io.berth.proto.ListNodesResponse;
import io.berth.proto.NodeRecord;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code berth node ls} */
@Command(name = "node", description = "Nodes of the cluster.", mixinStandardHelpOptions = true,
    subcommands = {NodeCommand.Ls.class, NodeEligibilityCommands.Drain.class, NodeEligibilityCommands.Eligible.class,
        NodeCommand.Rm.class})
final class NodeCommand {

  @Command(name = "rm", mixinStandardHelpOptions = true,
      description = "Remove a node and revoke its certificate: its agent cannot reconnect (its tasks are placed elsewhere).")
  static final class Rm implements Callable<Integer> {
    @Mixin ClientOptions options;

    @picocli.CommandLine.Parameters(paramLabel = "NODE", description = "The node's name.")
    String node;

    @Override
    public Integer call() {
      boolean json = options.json();
      try (ControlClient c = ControlClient.connect(options)) {
        io.berth.proto.RemoveNodeResponse r = c.api().removeNode(io.berth.proto.RemoveNodeRequest.newBuilder()
            .setNode(node).build());
        if (json) {
          Json.print(r);
        } else if (r.getExisted()) {
          System.out.println("node " + node + " removed and its certificate revoked"
              + (r.getTasksToMove() > 0 ? "; " + r.getTasksToMove() + " tasks will be placed elsewhere" : ""));
        } else {
          System.out.println("no node " + node + " was registered; any certificate issued for it is revoked");
        }
        return 0;
      }
    }
  }

  @Command(name = "ls", description = "List nodes.", mixinStandardHelpOptions = true)
  static final class Ls implements Callable<Integer> {
    @Mixin ClientOptions options;

    @Override
    public Integer call() {
      boolean json = options.json();
      try (ControlClient c = ControlClient.connect(options)) {
        ListNodesResponse r = c.api().listNodes(ListNodesRequest.getDefaultInstance());
        if (json) {
          Json.print(r);
          return 0;
        }
        Table t = new Table("NAME", "ADDRESS", "STATUS", "ELIGIBLE", "CPU", "MEMORY", "LABELS", "REASON");
        for (NodeRecord n : r.getNodesList()) {
          t.row(n.getFacts().getName(), n.getFacts().getAddress(), Format.status(n.getStatus()),
              n.getIneligible() ? "no (drained)" : "yes",
              n.getFacts().getCpuMillis() + "m", Format.bytes(n.getFacts().getMemoryBytes()),
              labels(n.getFacts().getLabelsMap()), n.getStatusReason());
        }
        t.print(System.out);
        return 0;
      }
    }

    private static String labels(Map<String, String> labels) {
      return labels.isEmpty() ? "-" : labels.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
          .sorted().collect(Collectors.joining(","));
    }
  }
}
