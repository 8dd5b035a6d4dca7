package io.berth.cli;

import io.berth.proto.ScaleJobRequest;
import io.berth.proto.ScaleJobResponse;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code berth job scale JOB GROUP N}: a new job version with one group's count changed. */
@Command(name = "scale", description = "Set the number of tasks of one group of a job (scaling down stops the "
    + "highest indexes).", mixinStandardHelpOptions = true)
final class JobScaleCommand implements Callable<Integer> {
  @Mixin ClientOptions options;

  @Parameters(index = "0", paramLabel = "JOB") String job;

  @Parameters(index = "1", paramLabel = "GROUP") String group;

  @Parameters(index = "2", paramLabel = "N", description = "The new count, 0 or more.") int count;

  @Option(names = {"-n", "--namespace"}, defaultValue = "") String namespace;

  @Override
  public Integer call() {
    if (count < 0) {
      throw new ErrorReporter.UserError("N must be 0 or more (got " + count + ")");
    }
    try (ControlClient c = ControlClient.connect(options)) {
      ScaleJobResponse r = c.api().scaleJob(ScaleJobRequest.newBuilder()
          .setJob(job).setNamespace(namespace).setGroup(group).setCount(count).build());
      if (options.json()) {
        Json.print(r);
      } else if (r.getChanged()) {
        System.out.println("job " + job + " group " + group + " scaled from " + r.getPreviousCount() + " to " + count
            + " (version " + r.getVersion() + ")");
      } else {
        System.out.println("job " + job + " group " + group + " already has count " + count
            + " (version " + r.getVersion() + ")");
      }
      return 0;
    }
  }
}
