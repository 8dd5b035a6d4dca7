package io.berth.coordinator.security;

import io.berth.coordinator.testing.FreePort;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.coordinator.state.ClusterStore;
import io.berth.coordinator.state.RaftClusterStore;
import io.berth.coordinator.state.StoreConfig;
import io.berth.proto.ClusterMeta;
import io.berth.proto.NodeFacts;
import io.berth.proto.NodeRecord;
import io.berth.tls.JdkTls;
import io.berth.tls.TlsMaterial;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Raft port of a real store with the key stores a coordinator writes: mutual TLS, members only. */
class RaftTransportTlsTest {
  @TempDir Path dir;

  @Test
  void theRaftPortSpeaksMutualTlsWithMembersOnly() throws Exception {
    ClusterCa ca = ClusterCa.create(dir.resolve("ca"), "c1");
    TlsMaterial member = ca.issueRaftMember("c1", List.of("127.0.0.1"));
    StoreConfig.TransportTls tls = RaftKeyStores.write(dir, member);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tls.keyStore())));
    assertTrue(!tls.toString().contains(tls.password()), "the password is not printed");

    int port = FreePort.any();
    StoreConfig config = StoreConfig.single("c1", "127.0.0.1", port, dir.resolve("raft")).withTls(tls);
    try (RaftClusterStore store = RaftClusterStore.start(config, Duration.ofSeconds(60))) {
      store.initMeta(ClusterMeta.newBuilder().setClusterId("c1").setZone("berth.").build());
      long v = store.putNode(NodeRecord.newBuilder().setFacts(NodeFacts.newBuilder().setName("n1")).build());
      assertTrue(store.awaitVersion(v, ClusterStore.defaultTimeout()).node("n1").isPresent());

      // Another member of the cluster completes a handshake: it derived the same anchor on its own
      // from the CA it was handed at join.
      ClusterCa joined = ClusterCa.install(dir.resolve("joined-ca"), ca.keyPemForMember(), ca.certificatePem());
      handshake(JdkTls.context(joined.issueRaftMember("c2", List.of("127.0.0.1"))), port);
      // Certificates of the cluster CA that are not members' Raft certificates are refused: a
      // node's, an admin's, and even a member's gRPC certificate.
      java.security.KeyPair nodeKeys = io.berth.tls.KeyPairs.newKeyPair();
      java.security.cert.X509Certificate nodeCert = ca.signNode(io.berth.tls.CertificateRequests.create("n1", nodeKeys),
          "n1", java.time.Instant.now().minusSeconds(10), Duration.ofDays(1));
      TlsMaterial node = new TlsMaterial(nodeKeys.getPrivate(), List.of(nodeCert, ca.certificate()), ca.certificate());
      assertThrows(IOException.class, () -> handshake(JdkTls.context(node), port));
      assertThrows(IOException.class, () -> handshake(JdkTls.context(ca.issueAdmin("admin")), port));
      assertThrows(IOException.class, () -> handshake(JdkTls.context(ca.issueMember("c3", List.of("127.0.0.1"))), port));
      // A certificate from another CA, and no certificate at all, are refused.
      TlsMaterial stranger = ClusterCa.create(dir.resolve("other"), "c9").issueRaftMember("c1", List.of("127.0.0.1"));
      assertThrows(IOException.class, () -> handshake(JdkTls.context(stranger), port));
      SSLContext noCertificate = SSLContext.getInstance("TLS");
      noCertificate.init(null, io.berth.tls.GrpcTls.trusting(member.ca()), null);
      assertThrows(IOException.class, () -> handshake(noCertificate, port));
    }
  }

  /** A full handshake, then one read: a server that refused our certificate closes the connection. */
  private static void handshake(SSLContext ctx, int port) throws IOException {
    try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
      s.setSoTimeout(5000); // a refusal comes as an alert at once; only an accepted peer waits this long
      s.startHandshake();
      s.getOutputStream().write(new byte[] {0});
      s.getOutputStream().flush();
      try {
        if (s.getInputStream().read() == -1) {
          throw new IOException("closed by the server");
        }
      } catch (java.net.SocketTimeoutException stillOpen) {
        // accepted: the server waits for a real message
      }
    }
  }

}
