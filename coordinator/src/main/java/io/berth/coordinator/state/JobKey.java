package io.berth.coordinator.state;

import io.berth.proto.JobSpec;

/** A job's identity: its name is unique within its namespace. */
public record JobKey(String namespace, String name) implements Comparable<JobKey> {

  public static final String DEFAULT_NAMESPACE = "default";

  public static JobKey of(JobSpec spec) {
    String ns = spec.getNamespace().isEmpty() ? DEFAULT_NAMESPACE : spec.getNamespace();
    return new JobKey(ns, spec.getName());
  }

  public static JobKey of(String namespace, String name) {
    return new JobKey(namespace == null || namespace.isEmpty() ? DEFAULT_NAMESPACE : namespace, name);
  }

  @Override
  public int compareTo(JobKey o) {
    int c = namespace.compareTo(o.namespace);
    return c != 0 ? c : name.compareTo(o.name);
  }

  @Override
  public String toString() {
    return namespace + "/" + name;
  }
}
