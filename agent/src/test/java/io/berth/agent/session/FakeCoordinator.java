package io.berth.agent.session;

import io.berth.proto.AgentMessage;
import io.berth.proto.AgentServiceGrpc;
import io.berth.proto.CoordinatorMessage;
import io.berth.proto.Hello;
import io.berth.proto.JoinRequest;
import io.berth.proto.JoinResponse;
import io.berth.proto.LogChunk;
import io.berth.proto.TaskStatus;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** An AgentService on 127.0.0.1:&lt;free port&gt; that records what agents send. */
final class FakeCoordinator extends AgentServiceGrpc.AgentServiceImplBase implements AutoCloseable {

  static final String TOKEN = "BERTH1-test-secret";

  final List<JoinRequest> joins = new CopyOnWriteArrayList<>();
  final List<AgentMessage> received = new CopyOnWriteArrayList<>();
  private final List<String> advertised;
  private final long heartbeatMillis;
  private final Server server;
  private volatile StreamObserver<CoordinatorMessage> session;

  FakeCoordinator(long heartbeatMillis, List<String> advertised) throws IOException {
    this.heartbeatMillis = heartbeatMillis;
    this.advertised = advertised;
    this.server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(this)
        .build()
        .start();
  }

  String endpoint() {
    return "127.0.0.1:" + server.getPort();
  }

  @Override
  public void join(JoinRequest request, StreamObserver<JoinResponse> response) {
    joins.add(request);
    if (!TOKEN.equals(request.getToken())) {
      response.onError(Status.UNAUTHENTICATED.withDescription("unknown token").asException());
      return;
    }
    response.onNext(JoinResponse.newBuilder()
        .setNodeId("node-" + request.getFacts().getName())
        .addAllCoordinators(advertised.isEmpty() ? List.of(endpoint()) : advertised)
        .setHeartbeatIntervalMs(heartbeatMillis)
        .setClusterZone("berth.")
        .build());
    response.onCompleted();
  }

  @Override
  public StreamObserver<AgentMessage> session(StreamObserver<CoordinatorMessage> response) {
    session = response;
    return new StreamObserver<>() {
      @Override
      public void onNext(AgentMessage m) {
        received.add(m);
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {
        response.onCompleted();
      }
    };
  }

  synchronized void send(CoordinatorMessage message) {
    session.onNext(message);
  }

  /** Breaks the current session the way a coordinator failure would. */
  synchronized void dropSession() {
    StreamObserver<CoordinatorMessage> s = session;
    session = null;
    s.onError(Status.UNAVAILABLE.withDescription("coordinator going away").asException());
  }

  boolean hasSession() {
    return session != null;
  }

  List<Hello> hellos() {
    return received.stream().filter(AgentMessage::hasHello).map(AgentMessage::getHello).toList();
  }

  long heartbeats() {
    return received.stream().filter(AgentMessage::hasHeartbeat).count();
  }

  AgentMessage lastHeartbeat() {
    return received.stream().filter(AgentMessage::hasHeartbeat).reduce((a, b) -> b).orElseThrow();
  }

  List<TaskStatus> statuses() {
    return received.stream().filter(AgentMessage::hasStatus)
        .flatMap(m -> m.getStatus().getTasksList().stream()).toList();
  }

  List<LogChunk> logChunks(String requestId) {
    return received.stream().filter(AgentMessage::hasLogs).map(AgentMessage::getLogs)
        .filter(c -> c.getRequestId().equals(requestId)).toList();
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow();
    server.awaitTermination(5, TimeUnit.SECONDS);
  }
}
