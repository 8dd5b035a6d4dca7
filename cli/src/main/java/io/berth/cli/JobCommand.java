package io.berth.cli;

import io.berth.proto.JobStatus;
import io.berth.proto.JobStatusRequest;
import io.berth.proto.JobStatusResponse;
import io.berth.proto.JobSummary;
import io.berth.proto.ListJobsRequest;
import io.berth.proto.ListJobsResponse;
import io.berth.proto.RunJobRequest;
import io.berth.proto.RunJobResponse;
import io.berth.proto.StopJobRequest;
import io.berth.proto.StopJobResponse;
import io.berth.proto.TaskRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code berth job run|ls|status|stop} */
@Command(name = "job", description = "Submit and manage jobs.", mixinStandardHelpOptions = true,
    subcommands = {JobCommand.Run.class, JobCommand.Ls.class, JobCommand.StatusCmd.class, JobCommand.Stop.class,
        JobScaleCommand.class, JobVersionCommands.History.class, JobVersionCommands.Revert.class})
final class JobCommand {

  @Command(name = "run", description = "Submit a job file (YAML); running it again with changes updates the job.",
      mixinStandardHelpOptions = true)
  static final class Run implements Callable<Integer> {
    @Mixin ClientOptions options;

    @Option(names = {"-f", "--file"}, required = true, description = "The job file.")
    Path file;

    @Override
    public Integer call() throws IOException {
      boolean json = options.json();
      String text;
      try {
        text = Files.readString(file);
      } catch (NoSuchFileException e) {
        throw new ErrorReporter.UserError("no such job file: " + file);
      }
      try (ControlClient c = ControlClient.connect(options)) {
        RunJobResponse r = c.api().runJob(RunJobRequest.newBuilder()
            .setSpecYaml(text).setSourceName(file.getFileName().toString()).build());
        if (json) {
          Json.print(r);
        } else {
          System.out.println("job " + r.getJob() + " (namespace " + r.getNamespace() + ") version " + r.getVersion()
              + (r.getChanged() ? " submitted" : " unchanged"));
        }
        return 0;
      }
    }
  }

  @Command(name = "ls", description = "List jobs.", mixinStandardHelpOptions = true)
  static final class Ls implements Callable<Integer> {
    @Mixin ClientOptions options;

    @Option(names = {"-n", "--namespace"}, defaultValue = "") String namespace;

    @Override
    public Integer call() {
      boolean json = options.json();
      try (ControlClient c = ControlClient.connect(options)) {
        ListJobsResponse r = c.api().listJobs(ListJobsRequest.newBuilder().setNamespace(namespace).build());
        if (json) {
          Json.print(r);
          return 0;
        }
        Table t = new Table("NAME", "NAMESPACE", "TYPE", "VERSION", "STATUS", "DESIRED", "RUNNING", "PENDING", "FAILED");
        for (JobSummary s : r.getJobsList()) {
          t.row(s.getJob().getSpec().getName(), s.getJob().getSpec().getNamespace(), s.getJob().getSpec().getType(),
              s.getJob().getVersion(), s.getJob().getStatus() == JobStatus.JOB_STOPPED ? "stopped" : "running",
              s.getDesired(), s.getRunning(), s.getPending(), s.getFailed());
        }
        t.print(System.out);
        return 0;
      }
    }
  }

  @Command(name = "status", description = "A job's tasks, and why any are not placed.", mixinStandardHelpOptions = true)
  static final class StatusCmd implements Callable<Integer> {
    @Mixin ClientOptions options;

    @Parameters(paramLabel = "JOB") String job;

    @Option(names = {"-n", "--namespace"}, defaultValue = "") String namespace;

    @Override
    public Integer call() {
      boolean json = options.json();
      try (ControlClient c = ControlClient.connect(options)) {
        JobStatusResponse r = c.api().getJobStatus(JobStatusRequest.newBuilder().setJob(job).setNamespace(namespace).build());
        if (json) {
          Json.print(r);
          return 0;
        }
        JobSummary s = r.getSummary();
        System.out.println("job " + s.getJob().getSpec().getName() + " version " + s.getJob().getVersion() + ": "
            + s.getRunning() + " running, " + s.getPending() + " pending, " + s.getFailed() + " failed of "
            + s.getDesired() + " desired" + (s.getJob().getStatus() == JobStatus.JOB_STOPPED ? " (stopped)" : ""));
        for (String o : r.getOutcomeList()) {
          System.out.println(o);
        }
        for (String f : r.getPlacementFailuresList()) {
          System.out.println("not placed: " + f);
        }
        Table t = new Table("ID", "GROUP", "INDEX", "NODE", "DESIRED", "STATE", "HEALTH", "ATTEMPT", "EXIT", "RUN", "MESSAGE");
        for (TaskRecord task : r.getTasksList()) {
          t.row(task.getId(), task.getGroup(), task.getIndex(), task.getNode(),
              task.getDesired().name().replace("DESIRED_", "").toLowerCase(), Format.state(task.getState()),
              Format.health(task), Math.max(1, task.getAttempt()), Format.exitCodes(task),
              task.getRunAtMs() > 0 ? java.time.Instant.ofEpochMilli(task.getRunAtMs()).toString() : "-",
              Format.message(task));
        }
        t.print(System.out);
        return 0;
      }
    }
  }

  @Command(name = "stop", description = "Stop a job: its containers are stopped and removed.", mixinStandardHelpOptions = true)
  static final class Stop implements Callable<Integer> {
    @Mixin ClientOptions options;

    @Parameters(paramLabel = "JOB") String job;

    @Option(names = {"-n", "--namespace"}, defaultValue = "") String namespace;

    @Override
    public Integer call() {
      boolean json = options.json();
      try (ControlClient c = ControlClient.connect(options)) {
        StopJobResponse r = c.api().stopJob(StopJobRequest.newBuilder().setJob(job).setNamespace(namespace).build());
        if (json) {
          Json.print(r);
        } else {
          System.out.println("job " + job + " stopping (version " + r.getVersion() + ")");
        }
        return 0;
      }
    }
  }
}
