package io.berth.agent.facts;

import io.berth.proto.NodeFacts;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Gathers what the coordinator needs to know about this node, fresh at every join. */
public final class NodeFactsCollector implements Supplier<NodeFacts> {

  private static final Logger log = LoggerFactory.getLogger(NodeFactsCollector.class);

  private final String name;
  private final String address;
  private final Map<String, String> labels;
  private final Supplier<String> runtimeVersion;
  private final Path meminfo;

  /**
   * @param runtimeVersion may throw when the runtime is down; the fact is then left empty
   */
  public NodeFactsCollector(String name, String address, Map<String, String> labels,
      Supplier<String> runtimeVersion) {
    this(name, address, labels, runtimeVersion, Path.of("/proc/meminfo"));
  }

  NodeFactsCollector(String name, String address, Map<String, String> labels,
      Supplier<String> runtimeVersion, Path meminfo) {
    this.name = name;
    this.address = address;
    this.labels = Map.copyOf(labels);
    this.runtimeVersion = runtimeVersion;
    this.meminfo = meminfo;
  }

  @Override
  public NodeFacts get() {
    return NodeFacts.newBuilder()
        .setName(name)
        .setAddress(address)
        .setCpuMillis(Runtime.getRuntime().availableProcessors() * 1000L)
        .setMemoryBytes(MemInfo.totalBytes(meminfo).orElse(0))
        .putAllLabels(labels)
        .setRuntimeVersion(runtimeVersionOrEmpty())
        .setAgentVersion(agentVersion())
        .build();
  }

  private String runtimeVersionOrEmpty() {
    try {
      return runtimeVersion.get();
    } catch (RuntimeException e) {
      log.debug("runtime version unknown: {}", e.getMessage());
      return "";
    }
  }

  /** The jar's Implementation-Version when packaged with one; "dev" when run from classes. */
  public static String agentVersion() {
    String v = NodeFactsCollector.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }
}
