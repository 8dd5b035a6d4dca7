package io.berth.coordinator.session;

import io.berth.proto.Assignments;
import io.berth.proto.CoordinatorMessage;
import io.berth.proto.LogChunk;
import io.berth.proto.LogsRequest;
import io.berth.proto.TaskAssignment;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/** One agent's open stream: pushes its assignments and carries log requests to it. */
public final class AgentSession {
  private final String node;
  private final StreamObserver<CoordinatorMessage> out;
  private final Map<String, StreamObserver<LogChunk>> pendingLogs = new ConcurrentHashMap<>();
  private List<String> lastPushed; // task ids, guarded by this
  private boolean closed;

  AgentSession(String node, StreamObserver<CoordinatorMessage> out) {
    this.node = node;
    this.out = out;
  }

  public String node() {
    return node;
  }

  /** Whether the agent last got another set of task ids than {@code sortedIds}. */
  synchronized boolean differsFrom(List<String> sortedIds) {
    return !sortedIds.equals(lastPushed);
  }

  /** Sends the node's desired set if it differs from what the agent last got. */
  synchronized void push(Assignments assignments) {
    List<String> ids = assignments.getTasksList().stream().map(TaskAssignment::getTaskId).sorted().toList();
    if (closed || ids.equals(lastPushed)) {
      return;
    }
    out.onNext(CoordinatorMessage.newBuilder().setAssignments(assignments).build());
    lastPushed = ids;
  }

  /** Sends the coordinators' endpoints if they differ from what the agent last got. */
  synchronized void pushCoordinators(List<String> endpoints) {
    if (closed || endpoints.isEmpty() || endpoints.equals(lastCoordinators)) {
      return;
    }
    out.onNext(CoordinatorMessage.newBuilder()
        .setCoordinators(io.berth.proto.CoordinatorList.newBuilder().addAllEndpoints(endpoints)).build());
    lastCoordinators = endpoints;
  }

  private List<String> lastCoordinators = List.of();

  /** Asks the agent for a task's logs; chunks arrive at {@code sink} until it completes. */
  public synchronized void requestLogs(String taskId, int tailLines, StreamObserver<LogChunk> sink) {
    if (closed) {
      sink.onError(Status.UNAVAILABLE.withDescription("the session of node " + node + " just closed").asRuntimeException());
      return;
    }
    String id = UUID.randomUUID().toString();
    pendingLogs.put(id, sink);
    out.onNext(CoordinatorMessage.newBuilder()
        .setLogsRequest(LogsRequest.newBuilder().setRequestId(id).setTaskId(taskId).setTailLines(tailLines))
        .build());
  }

  void onLogChunk(LogChunk chunk) {
    StreamObserver<LogChunk> sink = chunk.getDone() ? pendingLogs.remove(chunk.getRequestId()) : pendingLogs.get(chunk.getRequestId());
    if (sink == null) {
      return;
    }
    if (!chunk.getError().isEmpty()) {
      sink.onError(Status.NOT_FOUND.withDescription(chunk.getError()).asRuntimeException());
      pendingLogs.remove(chunk.getRequestId());
      return;
    }
    if (!chunk.getData().isEmpty()) {
      sink.onNext(chunk);
    }
    if (chunk.getDone()) {
      sink.onCompleted();
    }
  }

  synchronized void close(String why) {
    if (closed) {
      return;
    }
    closed = true;
    failPendingLogs(why);
    try {
      out.onError(Status.ABORTED.withDescription(why).asRuntimeException());
    } catch (RuntimeException ignored) {
      // the stream was already gone
    }
  }

  void failPendingLogs(String why) {
    for (StreamObserver<LogChunk> sink : pendingLogs.values()) {
      sink.onError(Status.UNAVAILABLE.withDescription("node " + node + ": " + why).asRuntimeException());
    }
    pendingLogs.clear();
  }

  synchronized void markClosed() {
    closed = true;
  }
}
