package io.berth.coordinator.zone;

import io.berth.proto.TaskRecord;

/** The DNS names Berth gives things (DESIGN.md "Names"), relative to a zone like "berth.". */
public final class TaskNames {
  private final String zone; // absolute, with the trailing dot

  public TaskNames(String zone) {
    this.zone = zone.endsWith(".") ? zone : zone + ".";
  }

  public String zone() {
    return zone;
  }

  /** {@code <index>.<group>.<job>.<namespace>.<zone>}, absolute. */
  public String task(TaskRecord t) {
    return t.getIndex() + "." + group(t.getNamespace(), t.getJob(), t.getGroup());
  }

  /** {@code <group>.<job>.<namespace>.<zone>}, absolute. */
  public String group(String namespace, String job, String group) {
    return group + "." + job(namespace, job);
  }

  /** {@code <job>.<namespace>.<zone>}, absolute: every name of the job's tasks lies below it. */
  public String job(String namespace, String job) {
    return job + "." + namespace + "." + zone;
  }

  /** {@code _<label>._tcp.<group>.<job>.<namespace>.<zone>}, absolute. */
  public String service(String namespace, String job, String group, String portLabel) {
    return "_" + portLabel + "._tcp." + group(namespace, job, group);
  }

  /** {@code <node>.node.<zone>}, absolute. */
  public String node(String nodeName) {
    return nodeName + ".node." + zone;
  }

  /** The search domain that makes {@code master.spark} work inside a namespace. */
  public String namespaceDomain(String namespace) {
    return namespace + "." + zone;
  }

  /** A name as a host name: no trailing dot. */
  public static String hostName(String absolute) {
    return absolute.endsWith(".") ? absolute.substring(0, absolute.length() - 1) : absolute;
  }
}
