package io.berth.coordinator.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.coordinator.zone.TaskNames;
import io.berth.proto.CoordinatorMessage;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** A member whose replica stands still hands its agents to the others, and takes them again once it moves. */
class LaggingReplicaHandOffTest {
  private static final Duration PATIENCE = Duration.ofSeconds(60);

  private final SessionRegistry sessions = new SessionRegistry(new AssignmentBuilder(new TaskNames("berth.")));
  private final AtomicLong applied = new AtomicLong(90);
  private final AtomicBoolean others = new AtomicBoolean(true);
  private final AtomicLong nanos = new AtomicLong();
  private final LaggingReplicaHandOff handOff =
      new LaggingReplicaHandOff(sessions, applied::get, others::get, PATIENCE, nanos::get);

  /** The end of an agent's stream, as the coordinator writes to it. */
  private static final class AgentEnd implements StreamObserver<CoordinatorMessage> {
    volatile Status closedWith;

    @Override
    public void onNext(CoordinatorMessage m) {}

    @Override
    public void onError(Throwable t) {
      closedWith = Status.fromThrowable(t);
    }

    @Override
    public void onCompleted() {}
  }

  private AgentEnd open(String node) {
    AgentEnd end = new AgentEnd();
    sessions.attach(new AgentSession(node, end));
    return end;
  }

  private void at(long seconds, long ownWrite) {
    nanos.set(Duration.ofSeconds(seconds).toNanos());
    handOff.afterOwnWrite(ownWrite);
  }

  @Test
  void sessionsGoOnlyOnceTheReplicaLacksAWriteCommittedPatienceAgo() {
    AgentEnd a = open("n1");
    AgentEnd b = open("n2");
    at(0, 100);
    at(30, 101);
    at(59, 102);
    assertEquals(2, sessions.connectedCount(), "a replica behind for less than the patience keeps its sessions");

    at(60, 103);
    assertEquals(0, sessions.connectedCount());
    assertTrue(sessions.refusal().orElseThrow().contains("behind the cluster's log"));
    assertTrue(a.closedWith != null && b.closedWith != null, "each agent is told to go");
    assertTrue(a.closedWith.getDescription().contains("dial another coordinator"));
    AgentEnd late = open("n3");
    assertEquals(0, sessions.connectedCount(), "no new session while behind");
    assertTrue(late.closedWith != null);

    applied.set(91); // moves again, still far behind
    at(61, -1);
    assertTrue(sessions.refusal().isEmpty(), "a replica that moves serves again");
    AgentEnd back = open("n1");
    assertEquals(1, sessions.connectedCount());
    assertNull(back.closedWith);
  }

  @Test
  void aReplicaThatAppliesItsWritesKeepsItsSessions() {
    open("n1");
    for (int s = 0; s < 300; s += 10) {
      applied.set(100 + s - 1); // always one write behind: the last one, made just now
      at(s, 100 + s);
    }
    assertEquals(1, sessions.connectedCount());
    assertFalse(sessions.refusal().isPresent());
  }

  @Test
  void aReplicaFarBehindButMovingKeepsItsSessions() {
    open("n1");
    for (int s = 0; s <= 300; s += 10) {
      applied.set(90 + s / 10); // a write a tick, applied a minute and more late
      at(s, 100 + s);
    }
    assertEquals(1, sessions.connectedCount());
  }

  @Test
  void noHandOffWhileTheClusterCommitsNothing() {
    open("n1");
    at(0, 100);
    at(30, -1); // an election: this member's writes are not committed, nor anyone's
    at(90, -1);
    assertEquals(1, sessions.connectedCount(), "nobody is ahead to go to");
    at(91, 101);
    assertEquals(0, sessions.connectedCount(), "the cluster moves again and the replica does not");
  }

  @Test
  void aMemberAloneKeepsItsSessionsHoweverFarBehind() {
    others.set(false);
    open("n1");
    at(0, 100);
    at(600, 101);
    assertEquals(1, sessions.connectedCount(), "there is no other coordinator to go to");
  }
}
