package io.berth.cli;

import io.berth.proto.ControlServiceGrpc;
import io.berth.proto.LogChunk;
import io.berth.proto.TaskLogsRequest;
import java.util.Iterator;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code berth logs TASK}: by task id or by name (e.g. 0.web.demo.default). */
@Command(name = "logs", description = "Print a task's output (stdout and stderr).", mixinStandardHelpOptions = true)
final class LogsCommand implements Callable<Integer> {
  @Mixin ClientOptions options;

  @Parameters(paramLabel = "TASK", description = "A task id or name, as `berth ps` shows.") String task;

  @Option(names = "--tail", defaultValue = "0", description = "Only the last N lines (0: all).") int tail;

  @Override
  public Integer call() {
    try (ControlClient c = ControlClient.connect(options)) {
      ControlServiceGrpc.ControlServiceBlockingStub api = c.api().withDeadlineAfter(60, TimeUnit.SECONDS);
      Iterator<LogChunk> chunks = api.taskLogs(TaskLogsRequest.newBuilder().setTask(task).setTailLines(tail).build());
      while (chunks.hasNext()) {
        byte[] data = chunks.next().getData().toByteArray();
        System.out.write(data, 0, data.length);
      }
      System.out.flush();
      return 0;
    }
  }
}
