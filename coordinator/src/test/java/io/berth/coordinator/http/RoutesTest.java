package io.berth.coordinator.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.coordinator.security.ClusterCa;
import io.berth.proto.NodeFacts;
import io.berth.proto.NodeRecord;
import io.berth.proto.NodeStatus;
import io.berth.tls.TlsMaterial;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RoutesTest {
  private static final String TEMPLATE = """
      #!/bin/sh
      SERVED_FROM=''  # @berth:served-from
      SERVED_COORDINATORS=''  # @berth:coordinators
      echo "$SERVED_FROM"
      """;

  @TempDir
  Path dir;

  private Routes routes(Optional<TlsMaterial> tls, Path bundleFile, Map<String, NodeRecord> nodes) {
    return new Routes(new InstallScript(TEMPLATE), () -> List.of("10.0.0.1:7070", "10.0.0.2:7070"), () -> tls,
        new AgentBundle(bundleFile), name -> Optional.ofNullable(nodes.get(name)), new RequestCounters(),
        "10.0.0.1:7080");
  }

  private Routes routes() {
    return routes(Optional.empty(), dir.resolve("berth-agent-linux-x86_64.tar.gz"), Map.of());
  }

  @Test
  void installScriptKnowsWhereItCameFromAndWhereAgentsDial() {
    Response r = routes().get("/install.sh", "coord.example:7080");
    assertEquals(200, r.status().code());
    assertTrue(r.bodyText().contains("SERVED_FROM='coord.example:7080'  # @berth:served-from"), r.bodyText());
    assertTrue(r.bodyText().contains("SERVED_COORDINATORS='10.0.0.1:7070,10.0.0.2:7070'"), r.bodyText());
    assertTrue(r.bodyText().contains("echo \"$SERVED_FROM\""), "the rest of the script is untouched");
  }

  @Test
  void aHostHeaderThatIsNotHostPortNeverReachesTheScript() {
    Response r = routes().get("/install.sh", "x';rm -rf /;'");
    assertTrue(r.bodyText().contains("SERVED_FROM='10.0.0.1:7080'"), r.bodyText());
    assertFalse(r.bodyText().contains("rm -rf"));
    assertTrue(routes().get("/install.sh", null).bodyText().contains("SERVED_FROM='10.0.0.1:7080'"));
  }

  @Test
  void caIsServedAsPemWhenThereIsOneAnd503Otherwise() throws Exception {
    assertEquals(503, routes().get("/ca.crt", null).status().code());
    ClusterCa ca = ClusterCa.create(dir.resolve("ca"), "test");
    TlsMaterial tls = ca.issueMember("m1", List.of("127.0.0.1"));
    Response r = routes(Optional.of(tls), dir.resolve("b.tar.gz"), Map.of()).get("/ca.crt", null);
    assertEquals(200, r.status().code());
    assertEquals(ca.certificatePem(), r.bodyText());
  }

  @Test
  void bundleAndChecksumWhenBuilt503WhenMissing() throws Exception {
    Path bundle = dir.resolve("berth-agent-linux-x86_64.tar.gz");
    Routes routes = routes(Optional.empty(), bundle, Map.of());
    Response missing = routes.get("/agent/berth-agent-linux-x86_64.tar.gz", null);
    assertEquals(503, missing.status().code());
    assertTrue(missing.bodyText().contains("--agent-bundle"), missing.bodyText());

    Files.write(bundle, "not really a tarball".getBytes(StandardCharsets.UTF_8));
    Response file = routes.get("/agent/berth-agent-linux-x86_64.tar.gz", null);
    assertEquals(200, file.status().code());
    assertEquals(bundle, file.file());
    assertEquals(Files.size(bundle), file.contentLength());
    Response sum = routes.get("/agent/berth-agent-linux-x86_64.tar.gz.sha256", null);
    assertEquals(AgentBundle.sha256(bundle) + "  berth-agent-linux-x86_64.tar.gz\n", sum.bodyText());

    Files.write(bundle, "rebuilt".getBytes(StandardCharsets.UTF_8));
    Files.setLastModifiedTime(bundle, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
    assertTrue(routes.get("/agent/berth-agent-linux-x86_64.tar.gz.sha256", null).bodyText()
        .startsWith(AgentBundle.sha256(bundle)), "a rebuilt bundle gets its new checksum");

    Response otherArch = routes.get("/agent/berth-agent-linux-riscv64.tar.gz", null);
    assertEquals(404, otherArch.status().code());
    assertTrue(otherArch.bodyText().contains("berth-agent-linux-x86_64.tar.gz"), otherArch.bodyText());
  }

  @Test
  void traversalAndOddPathsAreBadRequestsNotFiles() {
    for (String path : List.of("/agent/../../etc/passwd", "/../etc/passwd", "//etc/passwd", "etc", "/agent/a\0b")) {
      Response r = routes().get(path, null);
      assertEquals(400, r.status().code(), path);
      assertNull(r.file(), path);
    }
    Response unknown = routes().get("/etc/passwd", null);
    assertEquals(404, unknown.status().code());
    assertTrue(unknown.bodyText().contains("/install.sh"), "a 404 says what there is");
  }

  @Test
  void nodeReadinessFromTheReplica() {
    NodeRecord ready = NodeRecord.newBuilder().setFacts(NodeFacts.newBuilder().setName("h1")).setStatus(NodeStatus.NODE_READY).build();
    NodeRecord down = NodeRecord.newBuilder().setFacts(NodeFacts.newBuilder().setName("h2")).setStatus(NodeStatus.NODE_DOWN).build();
    Routes routes = routes(Optional.empty(), dir.resolve("b.tar.gz"), Map.of("h1", ready, "h2", down));
    assertEquals("{\"node\":\"h1\",\"status\":\"ready\"}\n", routes.get("/v1/nodes/h1", null).bodyText());
    assertEquals("{\"node\":\"h2\",\"status\":\"down\"}\n", routes.get("/v1/nodes/h2", null).bodyText());
    Response unknown = routes.get("/v1/nodes/h3", null);
    assertEquals(404, unknown.status().code());
    assertEquals("{\"node\":\"h3\",\"status\":\"unknown\"}\n", unknown.bodyText());
    assertEquals(400, routes.get("/v1/nodes/-x", null).status().code());
  }

  @Test
  void thePackagedScriptIsTheRepositorysInstallSh() throws Exception {
    String packaged = InstallScript.packaged().render("h:7080", List.of("h:7070"));
    assertTrue(packaged.startsWith("#!/bin/sh"), "install.sh is packed into the coordinator's jar");
    assertTrue(packaged.contains("SERVED_FROM='h:7080'"));
    Path repoScript = Path.of(System.getProperty("user.dir")).resolve("../install.sh");
    if (Files.exists(repoScript)) {
      String original = Files.readString(repoScript);
      assertEquals(original.lines().count(), packaged.lines().count(), "only the marked lines change");
    }
  }
}
