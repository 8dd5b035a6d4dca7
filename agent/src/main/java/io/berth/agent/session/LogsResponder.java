package io.berth.agent.session;

import com.google.protobuf.ByteString;
import io.berth.agent.runtime.ContainerNotFoundException;
import io.berth.agent.runtime.ContainerRuntime;
import io.berth.proto.AgentMessage;
import io.berth.proto.LogChunk;
import io.berth.proto.LogsRequest;
import java.io.ByteArrayOutputStream;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Answers a LogsRequest: the task's container logs (stdout and stderr) in chunks of at most
 * {@link #CHUNK_BYTES}, then a final chunk with done=true, or with error set.
 */
final class LogsResponder {

  /** Well under gRPC's 4 MiB default message limit. */
  static final int CHUNK_BYTES = 64 * 1024;
  /** gRPC buffers what we send faster than it drains: bound one answer (tail_lines for more). */
  static final long MAX_BYTES = 32L * 1024 * 1024;

  private final ContainerRuntime runtime;
  private final Function<String, Optional<String>> containerOfTask;
  private final String nodeName;
  private final long maxBytes;

  LogsResponder(ContainerRuntime runtime, Function<String, Optional<String>> containerOfTask,
      String nodeName) {
    this(runtime, containerOfTask, nodeName, MAX_BYTES);
  }

  LogsResponder(ContainerRuntime runtime, Function<String, Optional<String>> containerOfTask,
      String nodeName, long maxBytes) {
    this.maxBytes = maxBytes;
    this.runtime = runtime;
    this.containerOfTask = containerOfTask;
    this.nodeName = nodeName;
  }

  /** @param send sends one message; returns false once the stream is gone */
  void respond(LogsRequest request, Predicate<AgentMessage> send) {
    String requestId = request.getRequestId();
    Optional<String> container = containerOfTask.apply(request.getTaskId());
    if (container.isEmpty()) {
      send.test(done(requestId, "no task " + request.getTaskId() + " on node " + nodeName));
      return;
    }
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    boolean[] streamGone = {false};
    long[] total = {0};
    try {
      runtime.readLogs(container.get(), request.getTailLines(), bytes -> {
        if (streamGone[0] || total[0] >= maxBytes) {
          return;
        }
        int offset = 0;
        while (offset < bytes.length && total[0] < maxBytes && !streamGone[0]) {
          int n = (int) Math.min(Math.min(bytes.length - offset, CHUNK_BYTES - buffer.size()),
              maxBytes - total[0]);
          total[0] += n;
          buffer.write(bytes, offset, n);
          offset += n;
          if (buffer.size() >= CHUNK_BYTES) {
            streamGone[0] = !send.test(data(requestId, buffer));
            buffer.reset();
          }
        }
      });
    } catch (ContainerNotFoundException e) {
      send.test(done(requestId, "the container of task " + request.getTaskId()
          + " is gone from node " + nodeName));
      return;
    } catch (RuntimeException e) {
      send.test(done(requestId, "cannot read logs of task " + request.getTaskId() + ": "
          + e.getMessage()));
      return;
    }
    if (buffer.size() > 0) {
      send.test(data(requestId, buffer));
    }
    send.test(done(requestId, total[0] >= maxBytes
        ? "truncated after " + maxBytes + " bytes: ask for fewer tail lines" : ""));
  }

  private static AgentMessage data(String requestId, ByteArrayOutputStream buffer) {
    return AgentMessage.newBuilder().setLogs(LogChunk.newBuilder()
        .setRequestId(requestId)
        .setData(ByteString.copyFrom(buffer.toByteArray()))).build();
  }

  private static AgentMessage done(String requestId, String error) {
    return AgentMessage.newBuilder().setLogs(LogChunk.newBuilder()
        .setRequestId(requestId)
        .setDone(true)
        .setError(error)).build();
  }
}
