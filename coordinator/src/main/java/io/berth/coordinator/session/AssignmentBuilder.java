package io.berth.coordinator.session;

import io.berth.coordinator.zone.TaskNames;
import io.berth.proto.ContainerSpec;
import io.berth.proto.GroupSpec;
import io.berth.proto.JobSpec;
import io.berth.proto.NodeRecord;
import io.berth.proto.PortBinding;
import io.berth.proto.PortSpec;
import io.berth.proto.TaskAssignment;
import io.berth.proto.TaskRecord;
import java.util.List;
import java.util.Locale;

/**
 * Turns a placed task into everything its agent needs to run it: the container, its FQDN as
 * hostname, the address that name must resolve to, the cluster DNS, and the BERTH_* env.
 */
public final class AssignmentBuilder {
  private final TaskNames names;

  public AssignmentBuilder(TaskNames names) {
    this.names = names;
  }

  /** @param dnsServers coordinator addresses containers use as resolvers (empty: the host's own) */
  public TaskAssignment build(TaskRecord task, JobSpec job, NodeRecord node, List<String> dnsServers) {
    GroupSpec g = job.getGroupsList().stream()
        .filter(x -> x.getName().equals(task.getGroup()))
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("task " + task.getId() + " names a group its job lacks"));
    String fqdn = TaskNames.hostName(names.task(task));
    String hostIp = node.getFacts().getAddress();
    ContainerSpec.Builder c = ContainerSpec.newBuilder()
        .setImage(g.getImage())
        .addAllCommand(g.getCommandList())
        .putAllEnv(g.getEnvMap())
        .setNetwork(g.getNetwork().isEmpty() ? "host" : g.getNetwork())
        .setCpuMillis(g.getResources().getCpuMillis())
        .setMemoryBytes(g.getResources().getMemoryBytes())
        .setHostname(fqdn)
        .setHostAddress(hostIp)
        .addAllDnsServers(dnsServers)
        .addDnsSearch(TaskNames.hostName(names.namespaceDomain(task.getNamespace())))
        .addDnsSearch(TaskNames.hostName(names.zone()))
        .addAllVolumes(g.getVolumesList())
        .setRunOnce(job.getType().equals("batch") || job.getType().equals("cron"))
        .putEnv("BERTH_NODE", node.getFacts().getName())
        .putEnv("BERTH_HOST_IP", hostIp)
        .putEnv("BERTH_TASK_NAME", fqdn)
        .putEnv("BERTH_TASK_ID", task.getId())
        .putEnv("BERTH_JOB", task.getJob())
        .putEnv("BERTH_NAMESPACE", task.getNamespace())
        .putEnv("BERTH_GROUP", task.getGroup())
        .putEnv("BERTH_INDEX", Integer.toString(task.getIndex()))
        .putLabels("berth.task", task.getId())
        .putLabels("berth.job", task.getJob())
        .putLabels("berth.namespace", task.getNamespace())
        .putLabels("berth.group", task.getGroup())
        .putLabels("berth.index", Integer.toString(task.getIndex()))
        .putLabels("berth.node", node.getFacts().getName());
    for (PortSpec p : g.getPortsList()) {
      Integer host = task.getPortsMap().get(p.getLabel());
      if (host == null) {
        continue;
      }
      int inside = p.getContainerPort() > 0 ? p.getContainerPort() : host;
      c.addPorts(PortBinding.newBuilder().setLabel(p.getLabel()).setHostPort(host).setContainerPort(inside));
      c.putEnv("BERTH_PORT_" + envName(p.getLabel()), Integer.toString(host));
    }
    if (g.hasHealthCheck()) {
      c.setHealthCheck(g.getHealthCheck());
    }
    return TaskAssignment.newBuilder().setTaskId(task.getId()).setContainer(c).build();
  }

  static String envName(String label) {
    return label.toUpperCase(Locale.ROOT).replace('-', '_');
  }
}
