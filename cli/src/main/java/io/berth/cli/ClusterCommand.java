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
        System.out.println("zone " + r.getClusterZone() + ", state version " + r.getStateVersion() + ", Raft term "
            + r.getRaftTerm() + ", commit index " + r.getCommitIndex() + " (applied " + r.getAppliedIndex()
            + "), leader epoch " + r.getLeaderEpoch() + ": " + r.getNodes() + " nodes, "
            + r.getJobs() + " jobs, " + r.getTasks() + " tasks (answered by " + r.getAnsweredBy() + ")");
        Table t = new Table("MEMBER", "RAFT", "GRPC", "ROLE", "RAFT LEADER", "HEALTH");
        for (Member m : r.getMembersList()) {
          t.row(m.getId(), m.getAddress(), m.getGrpcEndpoint(), m.getLeader() ? "leader" : "follower",
              m.getRaftLeader() ? "yes" : "", m.getHealthy() ? "healthy" : "unreachable");
        }
        t.print(System.out);
        return 0;
      }
    }
  }
}
