package io.berth.coordinator.session;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.berth.coordinator.state.RaftClusterStore;
import io.berth.coordinator.state.StoreConfig;
import io.berth.proto.NodeFacts;
import io.berth.proto.NodeRecord;
import io.berth.proto.NodeStatus;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a session's Hello and heartbeats write about its node, over a real one-member Raft store. */
class NodeRegistrarTest {
  @TempDir Path dataDir;
  private RaftClusterStore store;
  private NodeRegistrar registrar;
  private final NodeFacts facts = NodeFacts.newBuilder().setName("n1").setAddress("10.0.0.1").build();

  @BeforeEach
  void start() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    store = RaftClusterStore.start(StoreConfig.single("c1", "127.0.0.1", port, dataDir), Duration.ofSeconds(60));
    registrar = new NodeRegistrar(store, Clock.systemUTC());
  }

  @AfterEach
  void stop() {
    store.close();
  }

  private NodeRecord n1() {
    // A barrier write, so the view holds every write made so far.
    long v = store.putMember(io.berth.proto.MemberRecord.newBuilder().setId("c1").build());
    return store.awaitVersion(v, Duration.ofSeconds(10)).node("n1").orElseThrow();
  }

  @Test
  void aNodeJudgedDownWhileConnectedComesBackAtItsNextHeartbeat() {
    registrar.online(facts, true, "");
    assertEquals(NodeStatus.NODE_READY, n1().getStatus());
    registrar.down("n1", "not heard from for 12 s");
    assertEquals(NodeStatus.NODE_DOWN, n1().getStatus());
    // The session's next heartbeat says the same as before; the record says down: it is written.
    registrar.online(facts, true, "");
    NodeRecord back = n1();
    assertEquals(NodeStatus.NODE_READY, back.getStatus());
    assertEquals("", back.getStatusReason());
  }

  @Test
  void aHeartbeatThatChangesNothingWritesNothing() {
    registrar.online(facts, true, "");
    n1(); // the view holds it
    long before = store.snapshot().version();
    registrar.online(facts, true, "");
    assertEquals(before, store.snapshot().version(), "no Raft write for an unchanged node");
    registrar.online(facts, false, "docker: cannot list containers");
    assertEquals(NodeStatus.NODE_UNHEALTHY, n1().getStatus());
  }
}
