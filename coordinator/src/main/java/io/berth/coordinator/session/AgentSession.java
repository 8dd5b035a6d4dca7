package io.berth.coordinator.session;

import io.berth.proto.Assignments;
import io.berth.proto.CoordinatorMessage;
import io.berth.proto.LogChunk;
import io.berth.proto.LogsRequest;
import io.berth.proto.TaskAssignment;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/** One agent's open stream: pushes its assignments and carries log requests to it. */
public final class AgentSession {
  private final String node;
  private final StreamObserver<CoordinatorMessage> out;
  private final boolean takesChanges; // its Hello said it applies Assignments with changes_only
  private final Map<String, StreamObserver<LogChunk>> pendingLogs = new ConcurrentHashMap<>();
  private List<String> lastPushed; // the agent's desired task ids, sorted; null until the first push; guarded by this
  private boolean closed;

  AgentSession(String node, StreamObserver<CoordinatorMessage> out) {
    this(node, out, false);
  }

  AgentSession(String node, StreamObserver<CoordinatorMessage> out, boolean takesChanges) {
    this.node = node;
    this.out = out;
    this.takesChanges = takesChanges;
  }

  public String node() {
    return node;
  }

  /** Builds the assignment of one desired task; empty when its task or job is gone meanwhile. */
  @FunctionalInterface
  interface AssignmentSource {
    Optional<TaskAssignment> build(String taskId);
  }

  /**
   * Brings the agent to the desired task ids ({@code sortedIds}, in String order), sending nothing
   * if it has them. The first push of a stream is the whole set; later ones, to an agent that takes
   * them, only the tasks added and the ids removed, so only the added tasks are built.
   */
  synchronized void push(Collection<String> sortedIds, long version, AssignmentSource source) {
    if (closed) {
      return;
    }
    List<String> before = lastPushed;
    if (before != null && SortedIdDiff.same(before, sortedIds)) {
      return;
    }
    Assignments.Builder a = Assignments.newBuilder().setVersion(version);
    List<String> now = new ArrayList<>(sortedIds.size());
    Consumer<String> send = id -> source.build(id).ifPresent(t -> {
      a.addTasks(t);
      now.add(id);
    });
    if (before == null || !takesChanges) {
      sortedIds.forEach(send);
    } else {
      SortedIdDiff.walk(before, sortedIds, now::add, send, a::addRemovedTaskIds);
      if (a.getTasksCount() == 0 && a.getRemovedTaskIdsCount() == 0) {
        lastPushed = now; // only tasks that could not be built were added: nothing to tell
        return;
      }
      a.setChangesOnly(true);
    }
    out.onNext(CoordinatorMessage.newBuilder().setAssignments(a).build());
    lastPushed = now;
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
