package io.berth.agent.threads;

import java.util.concurrent.ThreadFactory;

/**
 * Where an agent's own threads come from. A real agent uses daemon platform threads; a scale
 * benchmark that runs thousands of hollow agents in one JVM passes virtual threads instead, so
 * that it is not bounded by the kernel's thread limit.
 */
@FunctionalInterface
public interface AgentThreads {

  /** A factory for the threads of one job (the name shows in thread dumps). */
  ThreadFactory named(String name);

  /** Daemon platform threads: stopping the agent never waits for one of them. */
  static AgentThreads platformDaemons() {
    return name -> r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }
}
