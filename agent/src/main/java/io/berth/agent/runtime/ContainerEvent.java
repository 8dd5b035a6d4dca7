package io.berth.agent.runtime;

/**
 * Something happened to a Berth container (start, die, destroy, ...). Listeners use it as a hint
 * to look at that container again: the event itself is not trusted as the container's state,
 * because events and our own calls can interleave.
 *
 * @param containerId the container
 * @param taskId its task (from the berth.task label; "" if the event did not carry it)
 * @param action Docker's action word, e.g. "die"
 * @param timeNanos when it happened (epoch nanoseconds; 0 when unknown)
 */
public record ContainerEvent(String containerId, String taskId, String action, long timeNanos) {}
