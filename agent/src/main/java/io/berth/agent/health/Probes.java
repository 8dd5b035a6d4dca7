package io.berth.agent.health;

import io.berth.agent.runtime.ContainerRuntime;
import io.berth.proto.ContainerSpec;
import io.berth.proto.HealthCheck;
import io.berth.proto.PortBinding;
import java.time.Duration;
import java.util.Optional;

/** Builds the probe a task's check asks for. */
public final class Probes {
  private Probes() {}

  /**
   * @return empty when the spec names a port the task was not given (the coordinator's parser
   *     refuses such specs, so this is an old or hand-made assignment)
   */
  public static Optional<Probe> of(ContainerSpec spec, String containerId, ContainerRuntime runtime) {
    HealthCheck h = spec.getHealthCheck();
    Duration timeout = Duration.ofMillis(Math.max(1, h.getTimeoutMs()));
    switch (h.getType()) {
      case "command":
        return Optional.of(new CommandProbe(runtime, containerId, h.getCommandList(), timeout));
      case "tcp":
      case "http": {
        Optional<Integer> port = spec.getPortsList().stream().filter(p -> p.getLabel().equals(h.getPort()))
            .map(PortBinding::getHostPort).findFirst();
        if (port.isEmpty()) {
          return Optional.empty();
        }
        // The node's routable address: the check sees the task as other hosts do.
        String host = spec.getHostAddress().isEmpty() ? "127.0.0.1" : spec.getHostAddress();
        return Optional.of(h.getType().equals("tcp")
            ? new TcpProbe(host, port.get(), timeout)
            : new HttpProbe(host, port.get(), h.getPath().isEmpty() ? "/" : h.getPath(), timeout));
      }
      default:
        return Optional.empty();
    }
  }

  static String reason(Throwable e) {
    String m = e.getMessage();
    return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
  }
}
