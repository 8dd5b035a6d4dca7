package io.berth.cli;

import io.berth.proto.ClusterStatusRequest;
import io.berth.proto.ClusterStatusResponse;
import io.berth.proto.Member;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code berth cluster status} */
@Command(name = "cluster", description = "The coordinators.", mixinStandardHelpOptions = true,
    subcommands = {ClusterCommand.StatusCmd.class})
final class ClusterCommand {

  @Command(name = "status", description = "Members, leader and state version.", mixinStandardHelpOptions = true)
  static final class StatusCmd implements Callable<Integer> {
    @Mixin ClientOptions options;

    @Override
    public Integer call() {
      boolean json = options.json();
      try (ControlClient c = ControlClient.connect(options)) {
        ClusterStatusResponse r = c.api().getClusterStatus(ClusterStatusRequest.getDefaultInstance());
        if (json) {
          Json.print(r);
          return 0;
        }
        System.out.println("zone " + r.getClusterZone() + ", state version " + r.getStateVersion() + ": "
            + r.getNodes() + " nodes, " + r.getJobs() + " jobs, " + r.getTasks() + " tasks");
        Table t = new Table("MEMBER", "ROLE");
        for (Member m : r.getMembersList()) {
          t.row(m.getId(), m.getLeader() ? "leader" : "follower");
        }
        t.print(System.out);
        return 0;
      }
    }
  }
}
