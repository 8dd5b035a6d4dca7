package io.berth.agent.session;

import io.berth.proto.Assignments;
import io.berth.proto.ContainerSpec;
import io.berth.proto.TaskAssignment;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The node's desired set as one session stream has sent it: a whole set first, then whole sets or
 * changes to the last. One per stream: a new stream starts again from its first whole set.
 */
final class AssignedTasks {
  private Map<String, ContainerSpec> tasks; // null until the stream's first whole set

  /**
   * The desired set once {@code a} is applied; empty if {@code a} holds changes but no whole set
   * came before it on this stream (the coordinator always sends one first: this is a broken peer).
   */
  synchronized Optional<Map<String, ContainerSpec>> apply(Assignments a) {
    Map<String, ContainerSpec> next;
    if (a.getChangesOnly()) {
      if (tasks == null) {
        return Optional.empty();
      }
      next = new LinkedHashMap<>(tasks);
      for (String id : a.getRemovedTaskIdsList()) {
        next.remove(id);
      }
    } else {
      next = new LinkedHashMap<>();
    }
    for (TaskAssignment t : a.getTasksList()) {
      if (!t.getTaskId().isEmpty()) {
        next.put(t.getTaskId(), t.getContainer());
      }
    }
    // Handed to the reconcile loop as is: unmodifiable, and copied rather than changed next time.
    tasks = Collections.unmodifiableMap(next);
    return Optional.of(tasks);
  }
}
