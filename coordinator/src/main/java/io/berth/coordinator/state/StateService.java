package io.berth.coordinator.state;

import com.google.protobuf.InvalidProtocolBufferException;
import io.atomix.primitive.operation.OperationId;
import io.atomix.primitive.service.BackupInput;
import io.atomix.primitive.service.BackupOutput;
import io.atomix.primitive.service.Commit;
import io.atomix.primitive.service.PrimitiveService;
import io.atomix.primitive.service.ServiceContext;
import io.atomix.primitive.session.Session;
import io.atomix.primitive.session.SessionId;
import io.atomix.utils.serializer.Namespaces;
import io.atomix.utils.serializer.Serializer;
import io.atomix.utils.time.WallClockTimestamp;
import io.berth.proto.StateBatch;
import io.berth.proto.StateBatchResult;
import io.berth.proto.StateCommand;
import io.berth.proto.StateEntry;
import java.util.ArrayList;
import java.util.List;

/**
 * The Atomix Raft service around {@link StateMachine}: runs on every member, on Raft's state
 * thread, in log order. Hands each applied change to the member's {@link Sink} (its replica view),
 * and backs the state up into Raft snapshots so the log can be compacted.
 */
final class StateService implements PrimitiveService {
  static final OperationId APPLY = OperationId.command("apply");
  /** Several commands in one entry (a {@code StateBatch}), each applied on its own, in order. */
  static final OperationId APPLY_BATCH = OperationId.command("apply-batch");
  private static final Serializer SERIALIZER = Serializer.using(Namespaces.BASIC);

  /** Where the applied changes go, in order; called on Raft's state thread, so it must not block. */
  interface Sink {
    void applied(List<StateMachine.Change> changes, long index);

    void restored(List<StateMachine.Change> contents, long index);
  }

  private final StateMachine machine = new StateMachine();
  private final Sink sink;
  private long index;

  StateService(Sink sink) {
    this.sink = sink;
  }

  @Override
  public byte[] apply(Commit<byte[]> commit) {
    if (APPLY_BATCH.equals(commit.operation())) {
      return applyBatch(commit);
    }
    if (!APPLY.equals(commit.operation())) {
      throw new IllegalArgumentException("unknown state operation " + commit.operation());
    }
    StateCommand command;
    try {
      command = StateCommand.parseFrom(commit.value());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("corrupt state command at index " + commit.index(), e);
    }
    StateMachine.Applied applied = machine.apply(commit.index(), command);
    index = commit.index();
    sink.applied(applied.changes(), index);
    return applied.result().toByteArray();
  }

  /** The view hears of a batch's changes once, as of one entry. */
  private byte[] applyBatch(Commit<byte[]> commit) {
    StateBatch batch;
    try {
      batch = StateBatch.parseFrom(commit.value());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("corrupt state batch at index " + commit.index(), e);
    }
    StateBatchResult.Builder results = StateBatchResult.newBuilder();
    List<StateMachine.Change> changes = new ArrayList<>();
    for (StateCommand command : batch.getCommandsList()) {
      StateMachine.Applied applied = machine.apply(commit.index(), command);
      changes.addAll(applied.changes());
      results.addResults(applied.result());
    }
    index = commit.index();
    sink.applied(changes, index);
    return results.build().toByteArray();
  }

  @Override
  public void backup(BackupOutput output) {
    output.writeLong(index);
    output.writeInt(machine.size());
    machine.forEach(e -> {
      byte[] b = e.toByteArray();
      output.writeInt(b.length);
      output.write(b);
    });
  }

  @Override
  public void restore(BackupInput input) {
    index = input.readLong();
    int n = input.readInt();
    List<StateEntry> entries = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      try {
        entries.add(StateEntry.parseFrom(input.readBytes(input.readInt())));
      } catch (InvalidProtocolBufferException e) {
        throw new IllegalStateException("corrupt state snapshot (entry " + i + " of " + n + ")", e);
      }
    }
    machine.restore(entries);
    sink.restored(machine.contents(), index);
  }

  @Override
  public void init(ServiceContext context) {}

  @Override
  public void tick(WallClockTimestamp timestamp) {}

  @Override
  public Serializer serializer() {
    return SERIALIZER;
  }

  @Override
  public void register(Session session) {}

  @Override
  public void expire(SessionId sessionId) {}

  @Override
  public void close(SessionId sessionId) {}
}
