package io.berth.agent;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Everything an agent needs to start, already validated.
 *
 * @param coordinators host:port of the coordinators to try first
 * @param token the join token, or null once the node holds a certificate (only enrolment uses it)
 * @param dockerHost e.g. unix:///var/run/docker.sock
 * @param address the routable address other hosts reach this node at
 * @param name the node's name
 * @param labels node labels, for placement constraints
 * @param dataDir where per-task files (the hosts files) live
 * @param hostsFile the host's hosts file, copied into every task's
 * @param resyncInterval how often the runtime is listed in full (events are the primary source)
 * @param keepAlive gRPC keepalive pings on the session channel; zero disables them
 */
public record AgentConfig(
    List<String> coordinators,
    String token,
    URI dockerHost,
    String address,
    String name,
    Map<String, String> labels,
    Path dataDir,
    Path hostsFile,
    Duration resyncInterval,
    Duration keepAlive) {

  public AgentConfig {
    coordinators = List.copyOf(coordinators);
    labels = Map.copyOf(labels);
  }
}
