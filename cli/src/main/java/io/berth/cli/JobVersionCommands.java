package io.berth.cli;

import io.berth.proto.JobHistoryRequest;
import io.berth.proto.JobHistoryResponse;
import io.berth.proto.JobRecord;
import io.berth.proto.JobStatus;
import io.berth.proto.RevertJobRequest;
import io.berth.proto.RevertJobResponse;
import java.time.Instant;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code berth job history JOB} and {@code berth job revert JOB VERSION}. */
final class JobVersionCommands {
  private JobVersionCommands() {}

  @Command(name = "history", description = "A job's versions, newest first (stable: every task ran healthy).",
      mixinStandardHelpOptions = true)
  static final class History implements Callable<Integer> {
    @Mixin ClientOptions options;

    @Parameters(paramLabel = "JOB") String job;

    @Option(names = {"-n", "--namespace"}, defaultValue = "") String namespace;

    @Override
    public Integer call() {
      try (ControlClient c = ControlClient.connect(options)) {
        JobHistoryResponse r = c.api().jobHistory(JobHistoryRequest.newBuilder().setJob(job).setNamespace(namespace).build());
        if (options.json()) {
          Json.print(r);
          return 0;
        }
        Table t = new Table("VERSION", "SUBMITTED", "STATUS", "STABLE", "GROUPS", "REASON");
        for (JobRecord v : r.getVersionsList()) {
          t.row(v.getVersion(), Instant.ofEpochMilli(v.getSubmittedAtMs()),
              v.getStatus() == JobStatus.JOB_STOPPED ? "stopped" : "running", v.getStable() ? "yes" : "no",
              v.getSpec().getGroupsList().stream().map(g -> g.getName() + " x" + g.getCount() + " " + g.getImage())
                  .collect(Collectors.joining(", ")), v.getReason().isEmpty() ? "-" : v.getReason());
        }
        t.print(System.out);
        return 0;
      }
    }
  }

  @Command(name = "revert", description = "Write a new version of the job with the spec of an earlier VERSION "
      + "(its tasks roll to it).", mixinStandardHelpOptions = true)
  static final class Revert implements Callable<Integer> {
    @Mixin ClientOptions options;

    @Parameters(index = "0", paramLabel = "JOB") String job;

    @Parameters(index = "1", paramLabel = "VERSION") long version;

    @Option(names = {"-n", "--namespace"}, defaultValue = "") String namespace;

    @Override
    public Integer call() {
      try (ControlClient c = ControlClient.connect(options)) {
        RevertJobResponse r = c.api().revertJob(RevertJobRequest.newBuilder()
            .setJob(job).setNamespace(namespace).setVersion(version).build());
        if (options.json()) {
          Json.print(r);
        } else {
          System.out.println("job " + job + " version " + r.getVersion() + " has the spec of version "
              + r.getRevertedTo());
        }
        return 0;
      }
    }
  }
}
