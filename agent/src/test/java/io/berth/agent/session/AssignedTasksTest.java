package io.berth.agent.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.proto.Assignments;
import io.berth.proto.ContainerSpec;
import io.berth.proto.TaskAssignment;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AssignedTasksTest {
  private final AssignedTasks assigned = new AssignedTasks();

  private static Assignments.Builder with(String... ids) {
    Assignments.Builder a = Assignments.newBuilder();
    for (String id : ids) {
      a.addTasks(TaskAssignment.newBuilder().setTaskId(id).setContainer(ContainerSpec.newBuilder().setImage("img-" + id)));
    }
    return a;
  }

  @Test
  void changesApplyToTheLastSetAndAWholeSetReplacesIt() {
    assertEquals(Set.of("a", "b"), assigned.apply(with("a", "b").build()).orElseThrow().keySet());
    Map<String, ContainerSpec> after = assigned.apply(with("c").setChangesOnly(true).addRemovedTaskIds("a").build()).orElseThrow();
    assertEquals(Set.of("b", "c"), after.keySet());
    assertEquals("img-c", after.get("c").getImage());
    assertEquals(Set.of("d"), assigned.apply(with("d").build()).orElseThrow().keySet());
    assertEquals(Set.of(), assigned.apply(with().setChangesOnly(true).addAllRemovedTaskIds(List.of("d", "gone")).build())
        .orElseThrow().keySet());
  }

  @Test
  void aSetHandedOutIsNotChangedByLaterChanges() {
    Map<String, ContainerSpec> first = assigned.apply(with("a").build()).orElseThrow();
    assigned.apply(with("b").setChangesOnly(true).addRemovedTaskIds("a").build());
    assertEquals(Set.of("a"), first.keySet());
  }

  @Test
  void changesBeforeAnyWholeSetAreRefused() {
    assertTrue(assigned.apply(with("a").setChangesOnly(true).build()).isEmpty());
    assertEquals(Set.of("b"), assigned.apply(with("b").build()).orElseThrow().keySet());
  }
}
