package io.berth.coordinator.http;

import io.berth.proto.NodeRecord;
import io.berth.proto.NodeStatus;
import io.berth.tls.Pem;
import io.berth.tls.TlsMaterial;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * What each URL answers: a function from a request line to a {@link Response}, with no sockets
 * in it. Every route is an exact path; nothing a client sends is ever turned into a file path,
 * so there is nothing to traverse.
 */
public final class Routes {
  static final String BUNDLE_PREFIX = "/agent/";
  static final String NODES_PREFIX = "/v1/nodes/";
  private static final Pattern NODE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,252}");

  private final InstallScript installScript;
  private final Supplier<List<String>> coordinators;
  private final Supplier<Optional<TlsMaterial>> tls;
  private final AgentBundle bundle;
  private final Function<String, Optional<NodeRecord>> nodes;
  private final RequestCounters counters;
  private final String defaultServedFrom;

  /**
   * @param coordinators every coordinator's gRPC endpoint, this one first
   * @param tls this server's key and certificate chain and the cluster CA, when there is one
   * @param nodes a node's record by name, from this coordinator's replica
   * @param defaultServedFrom this server's advertised host:port, for a request without a usable Host header
   */
  public Routes(InstallScript installScript, Supplier<List<String>> coordinators, Supplier<Optional<TlsMaterial>> tls,
      AgentBundle bundle, Function<String, Optional<NodeRecord>> nodes, RequestCounters counters,
      String defaultServedFrom) {
    this.installScript = installScript;
    this.coordinators = coordinators;
    this.tls = tls;
    this.bundle = bundle;
    this.nodes = nodes;
    this.counters = counters;
    this.defaultServedFrom = defaultServedFrom;
  }

  /** Answers a GET (a HEAD is answered the same, and its body dropped when written). */
  Response get(String path, String hostHeader) {
    if (path.isEmpty() || path.charAt(0) != '/' || path.contains("..") || path.indexOf('\0') >= 0 || path.contains("//")) {
      return Response.text("bad_path", HttpResponseStatus.BAD_REQUEST, "bad path: " + printable(path));
    }
    switch (path) {
      case "/install.sh":
        return installScript(hostHeader);
      case "/ca.crt":
        return tls.get()
            .map(t -> Response.bytes("ca_crt", HttpResponseStatus.OK, "application/x-pem-file", Pem.of(t.ca())))
            .orElseGet(() -> Response.text("ca_crt", HttpResponseStatus.SERVICE_UNAVAILABLE,
                "this coordinator has no cluster CA yet"));
      case "/healthz":
        return Response.text("healthz", HttpResponseStatus.OK, "ok");
      case "/metrics":
        return Response.bytes("metrics", HttpResponseStatus.OK, "text/plain; version=0.0.4", counters.prometheusText());
      default:
        break;
    }
    if (path.startsWith(BUNDLE_PREFIX)) {
      return bundle(path.substring(BUNDLE_PREFIX.length()));
    }
    if (path.startsWith(NODES_PREFIX)) {
      return node(path.substring(NODES_PREFIX.length()));
    }
    return Response.text("not_found", HttpResponseStatus.NOT_FOUND, "not found: " + printable(path)
        + " (this server has /install.sh, /ca.crt, /agent/" + bundle.name() + "[.sha256], /v1/nodes/NAME, /healthz, /metrics)");
  }

  private Response installScript(String hostHeader) {
    String from = InstallScript.isHostPort(hostHeader) ? hostHeader : defaultServedFrom;
    return Response.bytes("install_sh", HttpResponseStatus.OK, "text/x-shellscript; charset=utf-8",
        installScript.render(from, coordinators.get()));
  }

  private Response bundle(String name) {
    boolean checksum = name.endsWith(".sha256");
    String route = checksum ? "bundle_sha256" : "bundle";
    String file = checksum ? name.substring(0, name.length() - ".sha256".length()) : name;
    if (!file.equals(bundle.name())) {
      return Response.text(route, HttpResponseStatus.NOT_FOUND, "no agent bundle " + printable(name)
          + ": this coordinator serves " + bundle.name() + " (is this host's architecture `uname -m` different?)");
    }
    Optional<AgentBundle.Ready> ready;
    try {
      ready = bundle.current();
    } catch (IOException e) {
      return Response.text(route, HttpResponseStatus.SERVICE_UNAVAILABLE, "cannot read the agent bundle "
          + bundle.file() + ": " + e.getMessage());
    }
    if (ready.isEmpty()) {
      return Response.text(route, HttpResponseStatus.SERVICE_UNAVAILABLE, "the agent bundle is missing on this coordinator ("
          + bundle.file() + "): build it with `mvn -B -DskipTests package`, or start the coordinator with --agent-bundle FILE");
    }
    AgentBundle.Ready b = ready.get();
    if (checksum) {
      return Response.bytes(route, HttpResponseStatus.OK, "text/plain; charset=utf-8", b.sha256() + "  " + b.name() + "\n");
    }
    return Response.file(route, "application/gzip", b.file(), b.size());
  }

  private Response node(String name) {
    if (!NODE_NAME.matcher(name).matches()) {
      return Response.text("node", HttpResponseStatus.BAD_REQUEST, "not a node name: " + printable(name));
    }
    Optional<NodeRecord> node = nodes.apply(name);
    String status = node.map(n -> statusName(n.getStatus())).orElse("unknown");
    String json = "{\"node\":\"" + name + "\",\"status\":\"" + status + "\"}\n";
    return Response.bytes("node", node.isPresent() ? HttpResponseStatus.OK : HttpResponseStatus.NOT_FOUND,
        "application/json", json);
  }

  static String statusName(NodeStatus s) {
    return switch (s) {
      case NODE_READY -> "ready";
      case NODE_UNHEALTHY -> "unhealthy";
      case NODE_DOWN -> "down";
      default -> "unknown";
    };
  }

  /** A client's text, safe to echo: bounded, and no control characters. */
  static String printable(String s) {
    String cut = s.length() > 200 ? s.substring(0, 200) + "..." : s;
    return cut.replaceAll("[^\\x20-\\x7e]", "?");
  }
}
