package io.berth.coordinator.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.coordinator.state.ClusterStore;
import io.berth.proto.ClusterMeta;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MemberRemovalTest {
  static ClusterStore.MembershipView group(String... ids) {
    Map<String, String> addresses = new java.util.LinkedHashMap<>();
    for (String id : ids) {
      addresses.put(id, "10.0.0." + id.substring(1) + ":7090");
    }
    return new ClusterStore.MembershipView(ids[0], List.of(ids), ids[0], 3, 10, 10, addresses, Set.of(), 10, false);
  }

  @Test
  void aMemberIsNamedByIdOrRaftAddress() {
    assertEquals("c2", MemberRemoval.resolve("c2", group("c1", "c2", "c3")));
    assertEquals("c3", MemberRemoval.resolve(" 10.0.0.3:7090 ", group("c1", "c2", "c3")));
  }

  @Test
  void anUnknownMemberOrTheOnlyOneIsRefusedWithWhy() {
    StatusRuntimeException unknown = assertThrows(StatusRuntimeException.class,
        () -> MemberRemoval.resolve("c9", group("c1", "c2")));
    assertEquals(Status.Code.NOT_FOUND, unknown.getStatus().getCode());
    assertTrue(unknown.getStatus().getDescription().contains("[c1, c2]"), unknown.getStatus().getDescription());
    StatusRuntimeException last = assertThrows(StatusRuntimeException.class, () -> MemberRemoval.resolve("c1", group("c1")));
    assertEquals(Status.Code.FAILED_PRECONDITION, last.getStatus().getCode());
    assertTrue(last.getStatus().getDescription().contains("only member"), last.getStatus().getDescription());
  }

  @Test
  void markAndReadmitAreIdempotent() {
    ClusterMeta m = MemberRemoval.mark(MemberRemoval.mark(ClusterMeta.getDefaultInstance(), "c2"), "c2");
    assertEquals(List.of("c2"), m.getRemovedMembersList());
    assertEquals(List.of(), MemberRemoval.readmit(MemberRemoval.readmit(m, "c2"), "c2").getRemovedMembersList());
  }
}
