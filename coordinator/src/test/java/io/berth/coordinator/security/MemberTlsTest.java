package io.berth.coordinator.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.berth.tls.JdkTls;
import io.berth.tls.PeerIdentity;
import io.berth.tls.TlsMaterial;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a TLS transport between coordinators (Raft) would use: member material, mutual TLS, one CA. */
class MemberTlsTest {
  @TempDir Path dir;

  @Test
  void membersOfOneCaAuthenticateEachOtherAndStrangersAreRefused() throws Exception {
    ClusterCa ca = ClusterCa.create(dir.resolve("ca"), "c1");
    TlsMaterial a = ca.issueMember("c-a", List.of("127.0.0.1"));
    TlsMaterial b = ca.issueMember("c-b", List.of("127.0.0.1"));
    TlsMaterial stranger = ClusterCa.create(dir.resolve("other"), "c2").issueMember("c-x", List.of("127.0.0.1"));

    try (SSLServerSocket server = (SSLServerSocket) JdkTls.context(a).getServerSocketFactory()
        .createServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
      server.setNeedClientAuth(true);
      CompletableFuture<PeerIdentity> seen = CompletableFuture.supplyAsync(() -> accept(server));
      try (SSLSocket s = (SSLSocket) JdkTls.context(b).getSocketFactory().createSocket("127.0.0.1", server.getLocalPort())) {
        s.startHandshake();
        assertEquals("c-a", PeerIdentity.of((X509Certificate) s.getSession().getPeerCertificates()[0]).name());
        s.getOutputStream().write(1);
      }
      assertEquals("c-b", seen.get().name());

      CompletableFuture<PeerIdentity> refused = CompletableFuture.supplyAsync(() -> accept(server));
      assertThrows(IOException.class, () -> {
        try (SSLSocket s = (SSLSocket) JdkTls.context(stranger).getSocketFactory()
            .createSocket("127.0.0.1", server.getLocalPort())) {
          s.startHandshake();
          s.getOutputStream().write(1);
          s.getInputStream().read();
        }
      });
      assertEquals(null, refused.get());
    }
  }

  private static PeerIdentity accept(SSLServerSocket server) {
    try (SSLSocket s = (SSLSocket) server.accept()) {
      s.startHandshake();
      PeerIdentity id = PeerIdentity.of((X509Certificate) s.getSession().getPeerCertificates()[0]);
      s.getInputStream().read();
      return id;
    } catch (IOException e) {
      return null;
    }
  }
}
