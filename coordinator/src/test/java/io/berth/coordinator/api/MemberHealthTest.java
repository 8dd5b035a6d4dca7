package io.berth.coordinator.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.coordinator.state.ClusterStore;
import io.berth.proto.MemberRecord;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MemberHealthTest {
  static final ClusterStore.MembershipView GROUP = new ClusterStore.MembershipView("c1", List.of("c1", "c2", "c3"),
      "c1", 4, 500, 500, Map.of(), Set.of("c3"), 500, false);

  @Test
  void aMemberReportingAStuckApplierIsUnhealthyWithItsIndexes() {
    MemberRecord stuck = MemberRecord.newBuilder().setId("c2").setCommitIndex(480).setAppliedIndex(120)
        .setApplyStalled(true).build();
    MemberHealth h = MemberHealth.of("c2", GROUP, stuck, true);
    assertFalse(h.healthy());
    assertEquals("applying stuck at 120 (commit 480)", h.text());
  }

  @Test
  void silentOrJoiningOrFineMembers() {
    assertEquals("unreachable", MemberHealth.of("c2", GROUP, MemberRecord.getDefaultInstance(), false).text());
    MemberHealth joining = MemberHealth.of("c3", GROUP, MemberRecord.newBuilder().setCommitIndex(500).build(), true);
    assertTrue(joining.healthy());
    assertEquals("catching up", joining.text());
    assertEquals("healthy", MemberHealth.of("c1", GROUP, null, false).text(), "the answering member judges itself");
  }
}
