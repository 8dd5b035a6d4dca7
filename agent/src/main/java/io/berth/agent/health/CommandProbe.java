package io.berth.agent.health;

import io.berth.agent.runtime.ContainerRuntime;
import io.berth.agent.runtime.ExecResult;
import java.time.Duration;
import java.util.List;

/** Runs a command inside the task's container (docker exec); exit code 0 passes. */
public record CommandProbe(ContainerRuntime runtime, String containerId, List<String> command, Duration timeout)
    implements Probe {

  @Override
  public CheckResult check() {
    try {
      ExecResult r = runtime.exec(containerId, command, timeout);
      if (r.timedOut()) {
        return CheckResult.fail("timed out after " + timeout.toMillis() + " ms" + suffix(r.output()));
      }
      String out = "exit " + r.exitCode() + suffix(r.output());
      return r.exitCode() == 0 ? CheckResult.pass(out) : CheckResult.fail(out);
    } catch (RuntimeException e) {
      return CheckResult.fail("exec failed: " + Probes.reason(e));
    }
  }

  private static String suffix(String output) {
    return output.isBlank() ? "" : ": " + output;
  }
}
