package io.berth.coordinator.state;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.berth.proto.LeaderClaim;
import io.berth.proto.StateCommand;
import io.berth.proto.StateEntry;
import io.berth.proto.StateOp;
import io.berth.proto.StateResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The state machine on plain commands: atomic batches, compare-and-set, fencing, snapshots. */
class StateMachineTest {

  private static StateOp put(String key, String value) {
    return StateOp.newBuilder().setKey(key).setValue(ByteString.copyFromUtf8(value)).build();
  }

  private static StateOp cas(String key, String value, long expected) {
    return put(key, value).toBuilder().setCheck(true).setExpectedIndex(expected).build();
  }

  private static StateCommand batch(long fence, StateOp... ops) {
    return StateCommand.newBuilder().setFenceEpoch(fence).addAllOps(List.of(ops)).build();
  }

  private static StateCommand claim(String member, long epoch) {
    return StateCommand.newBuilder().setClaim(LeaderClaim.newBuilder().setMember(member).setEpoch(epoch)).build();
  }

  private static Map<String, String> contents(StateMachine m) {
    Map<String, String> out = new TreeMap<>();
    for (StateMachine.Change c : m.contents()) {
      out.put(c.key(), new String(c.value()) + "@" + c.index());
    }
    return out;
  }

  @Test
  void aBatchAppliesAllItsOpsAtTheCommandsIndex() {
    StateMachine m = new StateMachine();
    StateMachine.Applied a = m.apply(7, batch(0, put("job/default/a", "1"), put("job/default/b", "2"),
        cas("node/n1", "up", 0)));
    assertEquals(StateResult.Outcome.APPLIED, a.result().getOutcome());
    assertEquals(7, a.result().getIndex());
    assertEquals(3, a.changes().size());
    assertEquals(Map.of("job/default/a", "1@7", "job/default/b", "2@7", "node/n1", "up@7"), contents(m));
  }

  @Test
  void aConflictingCompareAndSetAppliesNothingOfItsBatch() {
    StateMachine m = new StateMachine();
    m.apply(3, batch(0, put("job/default/a", "v1")));
    // "b" is new (expected 0: fine), but "a" was written at 3, not 2: the whole batch is refused.
    StateMachine.Applied r = m.apply(4, batch(0, cas("job/default/b", "new", 0), cas("job/default/a", "v2", 2)));
    assertEquals(StateResult.Outcome.CONFLICT, r.result().getOutcome());
    assertEquals("job/default/a", r.result().getConflictKey());
    assertEquals(3, r.result().getConflictIndex());
    assertEquals(4, r.result().getIndex());
    assertTrue(r.changes().isEmpty());
    assertEquals(Map.of("job/default/a", "v1@3"), contents(m));

    // With the right basis it applies; a delete of an absent key changes nothing.
    StateMachine.Applied ok = m.apply(5, batch(0, cas("job/default/a", "v2", 3),
        StateOp.newBuilder().setKey("job/default/zz").setDelete(true).build()));
    assertEquals(StateResult.Outcome.APPLIED, ok.result().getOutcome());
    assertEquals(1, ok.changes().size());
    assertEquals(Map.of("job/default/a", "v2@5"), contents(m));
  }

  @Test
  void aGuardComparesWithoutWriting() {
    StateMachine m = new StateMachine();
    m.apply(3, batch(0, put("job/default/a", "record")));
    StateOp guard = StateOp.newBuilder().setKey("job/default/a").setCheck(true).setCheckOnly(true).setExpectedIndex(3).build();
    StateMachine.Applied ok = m.apply(4, batch(0, guard, put("task/default/a/t1", "T")));
    assertEquals(StateResult.Outcome.APPLIED, ok.result().getOutcome());
    assertEquals(1, ok.changes().size(), "the guarded key is not written");
    assertEquals(Map.of("job/default/a", "record@3", "task/default/a/t1", "T@4"), contents(m));

    StateMachine.Applied refused = m.apply(5, batch(0, guard.toBuilder().setExpectedIndex(2).build(),
        put("task/default/a/t2", "T2")));
    assertEquals(StateResult.Outcome.CONFLICT, refused.result().getOutcome());
    assertEquals("job/default/a", refused.result().getConflictKey());
    assertEquals(Map.of("job/default/a", "record@3", "task/default/a/t1", "T@4"), contents(m));
  }

  @Test
  void aClaimRepeatedByItsMemberIsAnsweredAsHeldAndOthersAtThatEpochAreNot() {
    StateMachine m = new StateMachine();
    assertEquals(StateResult.Outcome.APPLIED, m.apply(1, claim("c-a", 2)).result().getOutcome());
    // The first answer was lost and c-a asks again: it holds the epoch, nothing is written again.
    StateMachine.Applied again = m.apply(2, claim("c-a", 2));
    assertEquals(StateResult.Outcome.APPLIED, again.result().getOutcome());
    assertEquals(List.of(), again.changes());
    assertEquals(2, m.epoch());
    // Another member at the same epoch (no such thing in Raft) or below is refused.
    assertEquals(StateResult.Outcome.STALE_EPOCH, m.apply(3, claim("c-b", 2)).result().getOutcome());
    assertEquals(StateResult.Outcome.STALE_EPOCH, m.apply(4, claim("c-a", 1)).result().getOutcome());
  }

  @Test
  void writesFencedWithAnOldEpochAreRejectedOnceANewerLeaderClaimed() {
    StateMachine m = new StateMachine();
    assertEquals(StateResult.Outcome.APPLIED, m.apply(1, claim("c-a", 2)).result().getOutcome());
    assertEquals(StateResult.Outcome.APPLIED, m.apply(2, batch(2, put("job/default/a", "by-a"))).result().getOutcome());

    assertEquals(StateResult.Outcome.APPLIED, m.apply(3, claim("c-b", 3)).result().getOutcome());
    StateMachine.Applied stale = m.apply(4, batch(2, put("job/default/a", "late-a")));
    assertEquals(StateResult.Outcome.STALE_EPOCH, stale.result().getOutcome());
    assertEquals(3, stale.result().getEpoch());
    assertTrue(stale.changes().isEmpty());
    // A claim from an older term (a deposed leader's, applied late) does not take leadership back.
    assertEquals(StateResult.Outcome.STALE_EPOCH, m.apply(5, claim("c-a", 2)).result().getOutcome());
    assertEquals(3, m.epoch());
    // Unfenced writes (agents' reports, API calls) are not affected.
    assertEquals(StateResult.Outcome.APPLIED, m.apply(6, batch(0, put("node/n1", "x"))).result().getOutcome());
    assertEquals("by-a@2", contents(m).get("job/default/a"));
  }

  @Test
  void aSnapshotRestoresTheSameStateAndEpoch() {
    StateMachine m = new StateMachine();
    m.apply(1, claim("c-a", 4));
    m.apply(2, batch(4, put("job/default/a", "A"), put("node/n1", "N")));
    m.apply(3, batch(0, put("member/c-a", "M")));
    List<StateEntry> image = new ArrayList<>();
    m.forEach(image::add);

    StateMachine restored = new StateMachine();
    restored.restore(image);
    assertEquals(contents(m), contents(restored));
    assertEquals(4, restored.epoch());
    // The restored machine goes on exactly as the original: same fencing, same compare-and-set basis.
    assertEquals(StateResult.Outcome.STALE_EPOCH,
        restored.apply(4, batch(3, put("job/default/a", "x"))).result().getOutcome());
    StateMachine.Applied next = restored.apply(4, batch(4, cas("job/default/a", "B", 2)));
    assertEquals(StateResult.Outcome.APPLIED, next.result().getOutcome());
    assertArrayEquals("B".getBytes(), next.changes().get(0).value());
  }
}
