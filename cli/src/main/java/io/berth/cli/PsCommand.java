package io.berth.cli;

import io.berth.proto.ListTasksRequest;
import io.berth.proto.ListTasksResponse;
import io.berth.proto.TaskView;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code berth ps [JOB]} */
@Command(name = "ps", description = "List tasks, with their names and routable addresses.", mixinStandardHelpOptions = true)
final class PsCommand implements Callable<Integer> {
  @Mixin ClientOptions options;

  @Parameters(paramLabel = "JOB", arity = "0..1", defaultValue = "") String job;

  @Option(names = {"-n", "--namespace"}, defaultValue = "") String namespace;

  @Option(names = {"-a", "--all"}, description = "Include tasks that are stopping or finished.") boolean all;

  @Override
  public Integer call() {
    boolean json = options.json();
    try (ControlClient c = ControlClient.connect(options)) {
      ListTasksResponse r = c.api().listTasks(
          ListTasksRequest.newBuilder().setJob(job).setNamespace(namespace).setAll(all).build());
      if (json) {
        Json.print(r);
        return 0;
      }
      Table t = new Table("ID", "NAME", "NODE", "ADDRESS", "STATE", "HEALTH", "PORTS", "CONTAINER");
      for (TaskView v : r.getTasksList()) {
        String ports = v.getTask().getPortsMap().isEmpty() ? "-" : v.getTask().getPortsMap().toString();
        String container = v.getTask().getContainerId();
        t.row(v.getTask().getId(), v.getName(), v.getTask().getNode(), v.getAddress(), Format.state(v.getTask().getState()),
            Format.health(v.getTask()), ports, container.length() > 12 ? container.substring(0, 12) : (container.isEmpty() ? "-" : container));
      }
      t.print(System.out);
      return 0;
    }
  }
}
