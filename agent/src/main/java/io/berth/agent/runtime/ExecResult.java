package io.berth.agent.runtime;

/**
 * A command run inside a container.
 *
 * @param exitCode its exit code (-1 when unknown, e.g. it timed out)
 * @param output its stdout and stderr, at most the first few KiB
 * @param timedOut it did not finish within the timeout (it may still run in the container)
 */
public record ExecResult(long exitCode, String output, boolean timedOut) {}
