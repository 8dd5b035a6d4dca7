package io.berth.agent.runtime;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import java.net.URI;
import java.time.Duration;

/** Builds docker-java clients on the httpclient5 transport. */
final class DockerClients {

  private DockerClients() {}

  /**
   * @param responseTimeout how long a call may stay silent; null for never (the events stream
   *     is silent for as long as nothing happens, and ends by itself when the daemon goes away)
   */
  static DockerClient create(URI dockerHost, Duration responseTimeout) {
    DefaultDockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder()
        .withDockerHost(dockerHost.toString())
        .build();
    ApacheDockerHttpClient.Builder http = new ApacheDockerHttpClient.Builder()
        .dockerHost(config.getDockerHost())
        // The agent's calls in flight: 32 stops (each held up to its grace period), 8 launches,
        // 4 health checks, a resync or a logs request; a call past the pool waits for a connection.
        .maxConnections(64)
        .connectionTimeout(Duration.ofSeconds(5));
    if (responseTimeout != null) {
      http.responseTimeout(responseTimeout);
    }
    return DockerClientImpl.getInstance(config, http.build());
  }
}
