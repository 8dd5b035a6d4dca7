package io.berth.coordinator.state;

import com.google.protobuf.InvalidProtocolBufferException;
import io.atomix.primitive.operation.OperationId;
import io.berth.proto.StateBatch;
import io.berth.proto.StateBatchResult;
import io.berth.proto.StateCommand;
import io.berth.proto.StateResult;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * Group commit for the state machine's commands. A command submitted while {@code maxInFlight}
 * entries are already on their way waits, and goes with every other command that waited, as one
 * log entry: 10,000 agents saying hello at once cost tens of Raft entries, not 10,000, and the
 * replica views apply and publish them that many times. A command alone goes alone, at once, so a
 * quiet cluster sees no added latency. Order is kept: entries leave in submission order and the
 * Raft session applies them in that order.
 */
final class CommandBatcher {

  /** Sends one entry; completes with the state machine's reply. */
  interface Sender {
    CompletableFuture<byte[]> send(OperationId operation, byte[] payload);
  }

  private record Pending(StateCommand command, int bytes, CompletableFuture<StateResult> result) {}

  private final Sender sender;
  private final int maxInFlight;
  private final int maxBatchBytes;
  private final Executor completions;
  private final ArrayDeque<Pending> waiting = new ArrayDeque<>();
  private int inFlight;

  /**
   * @param maxBatchBytes a batch stops growing here (one command larger than this still goes, alone)
   * @param completions where replies are handed out, off the sender's threads
   */
  CommandBatcher(Sender sender, int maxInFlight, int maxBatchBytes, Executor completions) {
    this.sender = sender;
    this.maxInFlight = maxInFlight;
    this.maxBatchBytes = maxBatchBytes;
    this.completions = completions;
  }

  CompletableFuture<StateResult> submit(StateCommand command) {
    Pending p = new Pending(command, command.getSerializedSize(), new CompletableFuture<>());
    synchronized (this) {
      waiting.add(p);
      sendWhatFits();
    }
    return p.result();
  }

  /** Entries waiting to leave; for tests and health. */
  synchronized int waiting() {
    return waiting.size();
  }

  // Sends under the lock, so entries reach the Raft session in the order they were made.
  private void sendWhatFits() {
    while (inFlight < maxInFlight && !waiting.isEmpty()) {
      List<Pending> batch = new ArrayList<>();
      int bytes = 0;
      while (!waiting.isEmpty() && (batch.isEmpty() || bytes + waiting.peek().bytes() <= maxBatchBytes)) {
        Pending next = waiting.poll();
        batch.add(next);
        bytes += next.bytes();
      }
      inFlight++;
      CompletableFuture<byte[]> reply;
      try {
        reply = batch.size() == 1
            ? sender.send(StateService.APPLY, batch.get(0).command().toByteArray())
            : sender.send(StateService.APPLY_BATCH, batchOf(batch).toByteArray());
      } catch (RuntimeException e) {
        reply = CompletableFuture.failedFuture(e);
      }
      reply.whenCompleteAsync((bytesBack, failure) -> done(batch, bytesBack, failure), completions);
    }
  }

  private void done(List<Pending> batch, byte[] reply, Throwable failure) {
    synchronized (this) {
      inFlight--;
      sendWhatFits();
    }
    if (failure != null) {
      batch.forEach(p -> p.result().completeExceptionally(failure));
      return;
    }
    try {
      if (batch.size() == 1) {
        batch.get(0).result().complete(StateResult.parseFrom(reply));
        return;
      }
      List<StateResult> results = StateBatchResult.parseFrom(reply).getResultsList();
      if (results.size() != batch.size()) {
        throw new IllegalStateException("the state machine answered " + results.size() + " results for a batch of "
            + batch.size());
      }
      for (int i = 0; i < batch.size(); i++) {
        batch.get(i).result().complete(results.get(i));
      }
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      batch.forEach(p -> p.result().completeExceptionally(e));
    }
  }

  private static StateBatch batchOf(List<Pending> batch) {
    StateBatch.Builder b = StateBatch.newBuilder();
    batch.forEach(p -> b.addCommands(p.command()));
    return b.build();
  }
}
