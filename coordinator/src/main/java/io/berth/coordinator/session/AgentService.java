package io.berth.coordinator.session;

import io.berth.coordinator.security.CallerIdentity;
import io.berth.coordinator.security.NodeCertificates;
import io.berth.coordinator.security.Revocations;
import io.berth.proto.EnrollRequest;
import io.berth.proto.EnrollResponse;
import io.berth.proto.RenewRequest;
import io.berth.tls.PeerIdentity;
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
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gRPC service agents dial: enrol once with the join token (a node certificate), then over
 * mutual TLS join and hold one long-lived session stream each. A node speaks only for itself: the
 * name in its certificate must be the name it reports.
 */
public final class AgentService extends AgentServiceGrpc.AgentServiceImplBase {
  private static final Logger LOG = LoggerFactory.getLogger(AgentService.class);
  private final Supplier<ClusterMeta> meta;
  private final NodeRegistrar nodes;
  private final SessionRegistry sessions;
  private final TaskStatusWriter statuses;
  private final Supplier<List<String>> coordinators;
  private final long heartbeatIntervalMs;
  /** The cluster's heartbeat budget: 1,000 nodes heartbeat every second, 10,000 every 10 s. */
  static final int HEARTBEATS_PER_SECOND = 1000;
  private final java.util.function.IntSupplier nodeCount;
  private final NodeCertificates certificates;
  private final java.util.function.Predicate<String> connectedAnywhere;
  /** The certificate each open session was opened with, by node: revocations close them. */
  private final Map<String, PeerIdentity> sessionHolders = new ConcurrentHashMap<>();

  /** @param connectedAnywhere whether a node holds a session with any coordinator now */
  public AgentService(
      NodeCertificates certificates,
      java.util.function.Predicate<String> connectedAnywhere,
      Supplier<ClusterMeta> meta,
      NodeRegistrar nodes,
      SessionRegistry sessions,
      TaskStatusWriter statuses,
      Supplier<List<String>> coordinators,
      long heartbeatIntervalMs,
      java.util.function.IntSupplier nodeCount) {
    this.nodeCount = nodeCount;
    this.certificates = certificates;
    this.connectedAnywhere = connectedAnywhere;
    this.meta = meta;
    this.nodes = nodes;
    this.sessions = sessions;
    this.statuses = statuses;
    this.coordinators = coordinators;
    this.heartbeatIntervalMs = heartbeatIntervalMs;
  }

  @Override
  public void enroll(EnrollRequest request, StreamObserver<EnrollResponse> response) {
    try {
      EnrollResponse issued = certificates.enroll(request, meta.get(), connectedAnywhere);
      LOG.info("node {} enrolled: certificate issued", request.getNodeName());
      response.onNext(issued);
      response.onCompleted();
    } catch (io.grpc.StatusRuntimeException e) {
      LOG.warn("enrolment of node '{}' refused: {}", request.getNodeName(), e.getStatus().getDescription());
      response.onError(e);
    }
  }

  @Override
  public void renew(RenewRequest request, StreamObserver<EnrollResponse> response) {
    try {
      PeerIdentity caller = CallerIdentity.current().orElseThrow(() ->
          Status.UNAUTHENTICATED.withDescription("renewal needs the node's current certificate").asRuntimeException());
      EnrollResponse issued = certificates.renew(request.getCsrPem(), caller, meta.get());
      LOG.info("node {} renewed its certificate", caller.name());
      response.onNext(issued);
      response.onCompleted();
    } catch (io.grpc.StatusRuntimeException e) {
      response.onError(e);
    }
  }

  /** Closes the sessions of nodes whose certificate was revoked since they opened them. */
  public void closeRevoked(ClusterMeta current) {
    if (current == null || current.getRevokedNodesCount() == 0) {
      return; // the usual case, on every state change: nothing to walk the sessions for
    }
    for (Map.Entry<String, PeerIdentity> e : sessionHolders.entrySet()) {
      Revocations.refusing(current, e.getValue()).ifPresent(r -> {
        sessionHolders.remove(e.getKey(), e.getValue());
        sessions.session(e.getKey()).ifPresent(s -> {
          LOG.info("closing the session of node {}: it was removed from the cluster", e.getKey());
          sessions.end(s, "node " + e.getKey() + " was removed from the cluster and its certificate revoked");
        });
      });
    }
  }

  @Override
  public void join(JoinRequest request, StreamObserver<JoinResponse> response) {
    Status refused = check(CallerIdentity.current().orElse(null), request.getFacts(), sessions);
    if (refused != null) {
      response.onError(refused.asRuntimeException());
      return;
    }
    String node = request.getFacts().getName();
    LOG.info("node {} joined from {}", node, request.getFacts().getAddress());
    long interval = heartbeatIntervalMs(heartbeatIntervalMs, nodeCount.getAsInt());
    sessions.heartbeatIntervalGiven(node, interval); // the leader's liveness asks what the agent is due at
    response.onNext(JoinResponse.newBuilder()
        .setNodeId(node)
        .addAllCoordinators(coordinators.get())
        .setHeartbeatIntervalMs(interval)
        .setClusterZone(meta.get().getZone())
        .build());
    response.onCompleted();
  }

  /**
   * The interval an agent heartbeats at: the configured one, stretched so that the whole cluster
   * sends at most {@link #HEARTBEATS_PER_SECOND} (Nomad's rule, max_heartbeats_per_second). 10,000
   * agents heartbeating every second would cost the coordinators more than their work. Liveness
   * does not wait on heartbeats: a coordinator's record vouches for the sessions it holds.
   */
  static long heartbeatIntervalMs(long configuredMs, int nodes) {
    return Math.max(configuredMs, nodes * 1000L / HEARTBEATS_PER_SECOND);
  }

  /** Why a Join or Hello is refused (null: it is not), starting with this coordinator's own state. */
  private static Status check(PeerIdentity caller, NodeFacts facts, SessionRegistry sessions) {
    Optional<String> handingOff = sessions.refusal();
    if (handingOff.isPresent()) {
      return Status.UNAVAILABLE.withDescription(handingOff.get());
    }
    return check(caller, facts);
  }

  /** Null when the caller may report these facts (they are its own node's), otherwise why not. */
  private static Status check(PeerIdentity caller, NodeFacts facts) {
    if (caller == null) {
      return Status.UNAUTHENTICATED.withDescription("no node certificate: enrol the agent with a join token first");
    }
    if (!caller.name().equals(facts.getName())) {
      return Status.PERMISSION_DENIED.withDescription("this agent's certificate is for node " + caller.name()
          + "; it cannot report as node '" + facts.getName() + "' (start it with --name " + caller.name()
          + ", or enrol the new name with a join token in a fresh --data-dir)");
    }
    try {
      NodeCertificates.checkName(facts.getName());
    } catch (io.grpc.StatusRuntimeException e) {
      return e.getStatus();
    }
    if (facts.getAddress().isEmpty()) {
      return Status.INVALID_ARGUMENT.withDescription("the node has no routable address: pass --address");
    }
    return null;
  }

  @Override
  public StreamObserver<AgentMessage> session(StreamObserver<CoordinatorMessage> out) {
    SessionObserver observer = new SessionObserver(out, CallerIdentity.current().orElse(null));
    if (out instanceof ServerCallStreamObserver<CoordinatorMessage> sc) {
      // Only settable during this call: a vanished agent (cancelled call) closes its session too.
      sc.setOnCancelHandler(observer::onCompleted);
    }
    return observer;
  }

  /** The coordinator's side of one agent's session stream. */
  private final class SessionObserver implements StreamObserver<AgentMessage> {
    private final StreamObserver<CoordinatorMessage> out;
    private final PeerIdentity caller;

    SessionObserver(StreamObserver<CoordinatorMessage> out, PeerIdentity caller) {
      this.out = out;
      this.caller = caller;
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
        Status refused = check(caller, h.getFacts(), sessions);
        if (refused != null) {
          LOG.warn("session refused: {}", refused.getDescription());
          out.onError(refused.asRuntimeException());
          return;
        }
        try {
          // The node's record first: if the store cannot take it now, the agent retries the whole
          // Hello on a new stream, rather than hold a session that was never attached.
          nodes.online(h.getFacts(), h.getRuntimeHealthy(), h.getRuntimeError());
        } catch (RuntimeException e) {
          LOG.warn("session of {} not opened: {}", h.getFacts().getName(), e.toString());
          out.onError(Status.UNAVAILABLE.withDescription("could not record the node yet: " + e.getMessage())
              .asRuntimeException());
          return;
        }
        session = new AgentSession(h.getFacts().getName(), out, h.getTakesAssignmentChanges());
        sessionHolders.put(session.node(), caller);
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
          lastHealthy = hb.getRuntimeHealthy();
          lastError = hb.getRuntimeError();
          // Writes only when the record says otherwise: a changed runtime health, or a node the
          // leader judged down while this session was opening (it had not yet seen anyone vouch
          // for it), which comes back at its next heartbeat instead of staying down while connected.
          try {
            nodes.online(factsOf, lastHealthy, lastError);
          } catch (RuntimeException e) {
            LOG.warn("node {}: cannot record its heartbeat's state yet: {}", session.node(), e.toString());
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
        sessionHolders.remove(session.node(), caller);
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
