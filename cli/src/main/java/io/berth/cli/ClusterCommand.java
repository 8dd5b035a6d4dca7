package io.berth.cli;

import io.berth.proto.ClusterStatusRequest;
import io.berth.proto.ClusterStatusResponse;
import io.berth.proto.Member;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code berth cluster status}, {@code berth cluster remove MEMBER} */
@Command(name = "cluster", description = "The coordinators.", mixinStandardHelpOptions = true,
    subcommands = {ClusterCommand.StatusCmd.class, ClusterCommand.RemoveCmd.class})
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
        Table t = new Table("MEMBER", "RAFT", "GRPC", "ROLE", "RAFT LEADER", "VOTER", "APPLIED", "HEALTH");
        for (Member m : r.getMembersList()) {
          t.row(m.getId(), m.getAddress(), m.getGrpcEndpoint(), m.getLeader() ? "leader" : "follower",
              m.getRaftLeader() ? "yes" : "", m.getRaftRole().equals("joining") ? "joining" : "yes",
              m.getAppliedIndex() + "/" + m.getCommitIndex(),
              !m.getHealth().isEmpty() ? m.getHealth() : m.getHealthy() ? "healthy" : "unreachable");
        }
        t.print(System.out);
        return 0;
      }
    }
  }

  @Command(name = "remove", mixinStandardHelpOptions = true,
      description = "Remove a coordinator (dead or alive) from the Raft group; a live one stops. "
          + "Add a replacement with `berth coordinator start --join ... --token T`.")
  static final class RemoveCmd implements Callable<Integer> {
    @Mixin ClientOptions options;

    @picocli.CommandLine.Parameters(paramLabel = "MEMBER", description = "The member's id or Raft address (see `berth cluster status`).")
    String member;

    @Override
    public Integer call() {
      try (ControlClient c = ControlClient.connect(options)) {
        io.berth.proto.RemoveMemberResponse r = c.api().withDeadlineAfter(60, java.util.concurrent.TimeUnit.SECONDS)
            .removeMember(io.berth.proto.RemoveMemberRequest.newBuilder().setMember(member).build());
        if (options.json()) {
          Json.print(r);
        } else {
          System.out.println("member " + r.getMember() + " removed from the Raft group; members now: "
              + String.join(", ", r.getMembersList()));
        }
        return 0;
      }
    }
  }
}
