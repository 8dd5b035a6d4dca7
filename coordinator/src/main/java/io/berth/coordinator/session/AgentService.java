package io.berth.coordinator.session;

import io.berth.coordinator.security.JoinToken;
import io.berth.proto.AgentMessage;
import io.berth.proto.AgentServiceGrpc;
import io.berth.proto.ClusterMeta;
import io.berth.proto.CoordinatorMessage;
import io.berth.proto.Hello;
import io.berth.proto.JoinRequest;
import io.berth.proto.JoinResponse;
import io.berth.proto.NodeFacts;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The gRPC service agents dial: join, then one long-lived session stream each. */
public final class AgentService extends AgentServiceGrpc.AgentServiceImplBase {
  private static final Logger LOG = LoggerFactory.getLogger(AgentService.class);
  private static final Pattern NODE_NAME = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

  private final Supplier<ClusterMeta> meta;
  private final NodeRegistrar nodes;
  private final SessionRegistry sessions;
  private final TaskStatusWriter statuses;
  private final Supplier<List<String>> coordinators;
  private final long heartbeatIntervalMs;

  public AgentService(
      Supplier<ClusterMeta> meta,
      NodeRegistrar nodes,
      SessionRegistry sessions,
      TaskStatusWriter statuses,
      Supplier<List<String>> coordinators,
      long heartbeatIntervalMs) {
    this.meta = meta;
    this.nodes = nodes;
    this.sessions = sessions;
    this.statuses = statuses;
    this.coordinators = coordinators;
    this.heartbeatIntervalMs = heartbeatIntervalMs;
  }

  @Override
  public void join(JoinRequest request, StreamObserver<JoinResponse> response) {
    Status refused = check(request.getToken(), request.getFacts());
    if (refused != null) {
      response.onError(refused.asRuntimeException());
      return;
    }
    LOG.info("node {} joined from {}", request.getFacts().getName(), request.getFacts().getAddress());
    response.onNext(JoinResponse.newBuilder()
        .setNodeId(request.getFacts().getName())
        .addAllCoordinators(coordinators.get())
        .setHeartbeatIntervalMs(heartbeatIntervalMs)
        .setClusterZone(meta.get().getZone())
        .build());
    response.onCompleted();
  }

  /** Null when the token and facts are acceptable, otherwise why not. */
  private Status check(String token, NodeFacts facts) {
    ClusterMeta m = meta.get();
    try {
      if (!JoinToken.parse(token).matches(m.getCaFingerprint(), m.getJoinSecret())) {
        return Status.UNAUTHENTICATED.withDescription(
            "the join token does not match this cluster: use the token `berth coordinator start` printed");
      }
    } catch (IllegalArgumentException e) {
      return Status.UNAUTHENTICATED.withDescription("bad join token: " + e.getMessage());
    }
    if (!NODE_NAME.matcher(facts.getName()).matches()) {
      return Status.INVALID_ARGUMENT.withDescription(
          "node name '" + facts.getName() + "' must be a DNS label (lowercase letters, digits, '-'): pass --name");
    }
    if (facts.getAddress().isEmpty()) {
      return Status.INVALID_ARGUMENT.withDescription("the node has no routable address: pass --address");
    }
    return null;
  }

  @Override
  public StreamObserver<AgentMessage> session(StreamObserver<CoordinatorMessage> out) {
    SessionObserver observer = new SessionObserver(out);
    if (out instanceof ServerCallStreamObserver<CoordinatorMessage> sc) {
      // Only settable during this call: a vanished agent (cancelled call) closes its session too.
      sc.setOnCancelHandler(observer::onCompleted);
    }
    return observer;
  }

  /** The coordinator's side of one agent's session stream. */
  private final class SessionObserver implements StreamObserver<AgentMessage> {
    private final StreamObserver<CoordinatorMessage> out;

    SessionObserver(StreamObserver<CoordinatorMessage> out) {
      this.out = out;
    }

    private AgentSession session;

    @Override
    public void onNext(AgentMessage m) {
      try {
        handle(m);
      } catch (RuntimeException e) {
        LOG.warn("session of {}: {}", session == null ? "?" : session.node(), e.toString());
      }
    }

    private void handle(AgentMessage m) {
      if (session == null) {
        if (!m.hasHello()) {
          out.onError(Status.FAILED_PRECONDITION.withDescription("a session starts with Hello").asRuntimeException());
          return;
        }
        Hello h = m.getHello();
        Status refused = check(h.getToken(), h.getFacts());
        if (refused != null) {
          out.onError(refused.asRuntimeException());
          return;
        }
        session = new AgentSession(h.getFacts().getName(), out);
        nodes.online(h.getFacts(), h.getRuntimeHealthy(), h.getRuntimeError());
        statuses.report(session.node(), h.getTasksList());
        sessions.attach(session);
        LOG.info("session opened by node {} ({} tasks reported)", session.node(), h.getTasksCount());
        lastHealthy = h.getRuntimeHealthy();
        lastError = h.getRuntimeError();
        factsOf = h.getFacts();
        return;
      }
      sessions.touch(session.node());
      switch (m.getBodyCase()) {
        case HEARTBEAT -> {
          var hb = m.getHeartbeat();
          if (hb.getRuntimeHealthy() != lastHealthy || !hb.getRuntimeError().equals(lastError)) {
            lastHealthy = hb.getRuntimeHealthy();
            lastError = hb.getRuntimeError();
            nodes.online(factsOf, lastHealthy, lastError);
          }
        }
        case STATUS -> statuses.report(session.node(), m.getStatus().getTasksList());
        case LOGS -> session.onLogChunk(m.getLogs());
        default -> { }
      }
    }

    private boolean lastHealthy;
    private String lastError = "";
    private NodeFacts factsOf;

    @Override
    public void onError(Throwable t) {
      onCompleted();
    }

    private boolean closed;

    @Override
    public synchronized void onCompleted() {
      if (closed) {
        return;
      }
      closed = true;
      if (session != null) {
        session.markClosed();
        session.failPendingLogs("session closed");
        sessions.detach(session);
        LOG.info("session of node {} closed", session.node());
      }
      try {
        out.onCompleted();
      } catch (RuntimeException ignored) {
        // the call was already cancelled
      }
    }
  }
}
