package io.berth.coordinator.state;

/**
 * How records are keyed in the replicated map: one key per node, one per job (the job and its
 * tasks together, so a plan is one write), one for the cluster identity, one for the leader claim.
 */
final class StateKeys {
  static final String META = "meta";
  static final String NODE_PREFIX = "node/";
  static final String JOB_PREFIX = "job/";
  static final String MEMBER_PREFIX = "member/";
  static final String LEADER = "leader";

  private StateKeys() {}

  static String node(String name) {
    return NODE_PREFIX + name;
  }

  static String member(String id) {
    return MEMBER_PREFIX + id;
  }

  static String job(JobKey key) {
    return JOB_PREFIX + key.namespace() + "/" + key.name();
  }

  static JobKey jobKeyOf(String key) {
    String rest = key.substring(JOB_PREFIX.length());
    int slash = rest.indexOf('/');
    return new JobKey(rest.substring(0, slash), rest.substring(slash + 1));
  }
}
