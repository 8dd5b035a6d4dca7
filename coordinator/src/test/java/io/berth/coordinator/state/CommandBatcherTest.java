package io.berth.coordinator.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.atomix.primitive.operation.OperationId;
import io.atomix.primitive.service.impl.DefaultCommit;
import io.berth.proto.StateCommand;
import io.berth.proto.StateOp;
import io.berth.proto.StateResult;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Group commit through the real state service: commands that wait behind an entry in flight leave
 * together as one entry, in order, and each gets its own result.
 */
class CommandBatcherTest {

  /** Holds each entry until the test lets it through, and applies it to a real StateService. */
  private static final class HeldEntries implements CommandBatcher.Sender {
    final List<OperationId> operations = new ArrayList<>();
    final List<CompletableFuture<byte[]>> replies = new ArrayList<>();
    final List<byte[]> payloads = new ArrayList<>();
    final List<List<StateMachine.Change>> applied = new ArrayList<>();
    final StateService service = new StateService(new StateService.Sink() {
      @Override
      public void applied(List<StateMachine.Change> changes, long index) {
        applied.add(changes);
      }

      @Override
      public void restored(List<StateMachine.Change> contents, long index) {}
    });
    long index;

    @Override
    public synchronized CompletableFuture<byte[]> send(OperationId operation, byte[] payload) {
      operations.add(operation);
      payloads.add(payload);
      CompletableFuture<byte[]> f = new CompletableFuture<>();
      replies.add(f);
      return f;
    }

    /** Applies entry {@code i} at the next index and answers it. */
    synchronized void release(int i) {
      byte[] reply = service.apply(new DefaultCommit<>(++index, operations.get(i), payloads.get(i), null, 0));
      replies.get(i).complete(reply);
    }
  }

  private static StateCommand put(String key, String value) {
    return StateCommand.newBuilder().addOps(StateOp.newBuilder().setKey(key)
        .setValue(ByteString.copyFromUtf8(value))).build();
  }

  private static StateCommand cas(String key, String value, long expected) {
    return StateCommand.newBuilder().addOps(StateOp.newBuilder().setKey(key).setValue(ByteString.copyFromUtf8(value))
        .setCheck(true).setExpectedIndex(expected)).build();
  }

  private static StateResult get(CompletableFuture<StateResult> f) throws Exception {
    return f.get(5, TimeUnit.SECONDS);
  }

  @Test
  void aLoneCommandGoesAtOnceAndAlone() throws Exception {
    HeldEntries raft = new HeldEntries();
    CommandBatcher batcher = new CommandBatcher(raft, 1, 1 << 20, Runnable::run);
    CompletableFuture<StateResult> r = batcher.submit(put("node/a", "1"));
    assertEquals(List.of(StateService.APPLY), raft.operations);
    raft.release(0);
    assertEquals(StateResult.Outcome.APPLIED, get(r).getOutcome());
    assertEquals(1, get(r).getIndex());
  }

  @Test
  void commandsThatWaitBehindAnEntryLeaveTogetherInOrderWithTheirOwnResults() throws Exception {
    HeldEntries raft = new HeldEntries();
    CommandBatcher batcher = new CommandBatcher(raft, 1, 1 << 20, Runnable::run);
    CompletableFuture<StateResult> first = batcher.submit(put("node/a", "1"));
    CompletableFuture<StateResult> second = batcher.submit(put("node/b", "1"));
    CompletableFuture<StateResult> conflicting = batcher.submit(cas("node/a", "2", 99)); // node/a is at 1
    CompletableFuture<StateResult> third = batcher.submit(cas("node/b", "2", 0)); // node/b not written yet when sent
    assertEquals(1, raft.operations.size(), "the others wait while one entry is in flight");
    assertEquals(3, batcher.waiting());

    raft.release(0);
    assertEquals(List.of(StateService.APPLY, StateService.APPLY_BATCH), raft.operations);
    raft.release(1);

    assertEquals(1, get(first).getIndex());
    assertEquals(StateResult.Outcome.APPLIED, get(second).getOutcome());
    assertEquals(2, get(second).getIndex());
    assertEquals(StateResult.Outcome.CONFLICT, get(conflicting).getOutcome());
    assertEquals("node/a", get(conflicting).getConflictKey());
    // Applied in order inside the entry: node/b was written by the command before, so this CAS conflicts too.
    assertEquals(StateResult.Outcome.CONFLICT, get(third).getOutcome());
    assertEquals(2, get(third).getConflictIndex());
    assertEquals(2, raft.applied.size(), "the view hears of the batch once");
    assertEquals(1, raft.applied.get(1).size(), "only the applied command's change");
  }

  @Test
  void aBatchStopsGrowingAtItsSizeLimit() throws Exception {
    HeldEntries raft = new HeldEntries();
    int one = put("node/x0", "v").getSerializedSize();
    CommandBatcher batcher = new CommandBatcher(raft, 1, 2 * one, Runnable::run);
    List<CompletableFuture<StateResult>> results = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      results.add(batcher.submit(put("node/x" + i, "v")));
    }
    raft.release(0); // x0 alone; then x1+x2
    raft.release(1); // then x3+x4
    raft.release(2);
    assertEquals(3, raft.operations.size());
    assertEquals(List.of(1L, 2L, 2L, 3L, 3L), results.stream().map(f -> f.join().getIndex()).toList());
  }

  @Test
  void aFailedEntryFailsEveryCommandInItAndTheNextEntryStillGoes() throws Exception {
    HeldEntries raft = new HeldEntries();
    CommandBatcher batcher = new CommandBatcher(raft, 1, 1 << 20, Runnable::run);
    CompletableFuture<StateResult> a = batcher.submit(put("node/a", "1"));
    CompletableFuture<StateResult> b = batcher.submit(put("node/b", "1"));
    CompletableFuture<StateResult> c = batcher.submit(put("node/c", "1"));
    raft.replies.get(0).completeExceptionally(new IllegalStateException("no leader"));
    assertThrows(ExecutionException.class, () -> get(a));
    raft.replies.get(1).completeExceptionally(new IllegalStateException("no leader"));
    assertThrows(ExecutionException.class, () -> get(b));
    assertThrows(ExecutionException.class, () -> get(c));
    CompletableFuture<StateResult> d = batcher.submit(put("node/d", "1"));
    raft.release(2);
    assertTrue(get(d).getIndex() > 0);
  }
}
