package io.berth.agent.health;

/**
 * One health check's outcome.
 *
 * @param passed whether the check passed
 * @param output what it said (a command's output, "HTTP 503", "connection refused"), shortened
 */
public record CheckResult(boolean passed, String output) {
  /** Kept short: it travels to the coordinator and into the replicated task record. */
  public static final int MAX_OUTPUT = 200;

  public CheckResult {
    output = shorten(output);
  }

  public static CheckResult pass(String output) {
    return new CheckResult(true, output);
  }

  public static CheckResult fail(String output) {
    return new CheckResult(false, output);
  }

  static String shorten(String s) {
    if (s == null) {
      return "";
    }
    String t = s.strip().replaceAll("\\s+", " ");
    return t.length() <= MAX_OUTPUT ? t : t.substring(0, MAX_OUTPUT - 3) + "...";
  }
}
