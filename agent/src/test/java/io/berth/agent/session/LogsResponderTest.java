package io.berth.agent.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.agent.runtime.ContainerPhase;
import io.berth.agent.testing.FakeContainerRuntime;
import io.berth.proto.AgentMessage;
import io.berth.proto.LogChunk;
import io.berth.proto.LogsRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LogsResponderTest {

  private final FakeContainerRuntime runtime = new FakeContainerRuntime();
  private final List<LogChunk> sent = new ArrayList<>();

  private void respond(LogsResponder responder, String task, int tail) {
    responder.respond(LogsRequest.newBuilder().setRequestId("r").setTaskId(task)
        .setTailLines(tail).build(), m -> sent.add(m.getLogs()));
  }

  private String data() {
    StringBuilder b = new StringBuilder();
    sent.forEach(c -> b.append(c.getData().toStringUtf8()));
    return b.toString();
  }

  @Test
  void splitsALargeLogIntoBoundedChunksAndEndsWithDone() {
    String id = runtime.put("t1", ContainerPhase.RUNNING, 0).containerId();
    String log = "x".repeat(LogsResponder.CHUNK_BYTES * 2 + 10);
    runtime.setLogs(id, log);
    respond(new LogsResponder(runtime, t -> Optional.of(id), "h1"), "t1", 0);

    assertEquals(4, sent.size(), "three data chunks and the final one");
    assertTrue(sent.stream().allMatch(c -> c.getData().size() <= LogsResponder.CHUNK_BYTES));
    assertEquals(log, data());
    LogChunk last = sent.get(sent.size() - 1);
    assertTrue(last.getDone());
    assertEquals("", last.getError());
    assertTrue(sent.subList(0, 3).stream().noneMatch(LogChunk::getDone));
  }

  @Test
  void stopsAtTheSizeCapAndSaysSo() {
    String id = runtime.put("t1", ContainerPhase.RUNNING, 0).containerId();
    runtime.setLogs(id, "0123456789");
    respond(new LogsResponder(runtime, t -> Optional.of(id), "h1", 4), "t1", 0);

    assertEquals("0123", data());
    assertTrue(sent.get(sent.size() - 1).getError().startsWith("truncated after 4 bytes"));
  }

  @Test
  void aTaskThatIsNotHereOrWhoseContainerVanishedIsAnError() {
    respond(new LogsResponder(runtime, t -> Optional.empty(), "h1"), "ghost", 0);
    respond(new LogsResponder(runtime, t -> Optional.of("c404"), "h1"), "gone", 0);

    assertEquals(2, sent.size());
    assertTrue(sent.get(0).getDone());
    assertEquals("no task ghost on node h1", sent.get(0).getError());
    assertTrue(sent.get(1).getDone());
    assertEquals("the container of task gone is gone from node h1", sent.get(1).getError());
  }

  @Test
  void aBrokenStreamStopsTheSending() {
    String id = runtime.put("t1", ContainerPhase.RUNNING, 0).containerId();
    runtime.setLogs(id, "y".repeat(LogsResponder.CHUNK_BYTES * 3));
    List<AgentMessage> attempts = new ArrayList<>();
    new LogsResponder(runtime, t -> Optional.of(id), "h1").respond(
        LogsRequest.newBuilder().setRequestId("r").setTaskId("t1").build(),
        m -> {
          attempts.add(m);
          return false;
        });
    assertEquals(2, attempts.size(), "one failed data chunk, then only the final attempt");
  }
}
