package io.berth.coordinator.state;

/**
 * How records are keyed in the replicated map: one key per node, one per job (the job record and
 * its history, without tasks), one per task (under its job's name, so a task's report or placement
 * writes that task alone), one for the cluster identity, one for the leader claim.
 */
final class StateKeys {
  static final String META = "meta";
  static final String NODE_PREFIX = "node/";
  static final String JOB_PREFIX = "job/";
  static final String TASK_PREFIX = "task/";
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

  /** task/NAMESPACE/JOB/TASK-ID: namespaces and job names hold no '/', task ids neither. */
  static String task(JobKey job, String taskId) {
    return TASK_PREFIX + job.namespace() + "/" + job.name() + "/" + taskId;
  }

  /** The job a task key belongs to. */
  static JobKey jobKeyOfTask(String key) {
    int first = key.indexOf('/', TASK_PREFIX.length());
    int second = key.indexOf('/', first + 1);
    return new JobKey(key.substring(TASK_PREFIX.length(), first), key.substring(first + 1, second));
  }

  static String taskIdOf(String key) {
    int first = key.indexOf('/', TASK_PREFIX.length());
    return key.substring(key.indexOf('/', first + 1) + 1);
  }
}
