package io.berth.coordinator.leader;

import io.berth.coordinator.testing.FreePort;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.coordinator.session.AssignmentBuilder;
import io.berth.coordinator.session.NodeRegistrar;
import io.berth.coordinator.session.SessionRegistry;
import io.berth.coordinator.state.ClusterStore;
import io.berth.coordinator.state.RaftClusterStore;
import io.berth.coordinator.state.StoreConfig;
import io.berth.coordinator.zone.TaskNames;
import io.berth.coordinator.state.ClusterSnapshot;
import io.berth.coordinator.state.JobKey;
import io.berth.coordinator.state.StateChange;
import io.berth.proto.DesiredState;
import io.berth.proto.JobRecord;
import io.berth.proto.JobSpec;
import io.berth.proto.JobState;
import io.berth.proto.MemberRecord;
import io.berth.proto.TaskRecord;
import io.berth.proto.TaskState;
import io.berth.proto.NodeFacts;
import io.berth.proto.NodeStatus;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Node liveness over a real one-member Raft store, on a clock the test moves. The other member
 * ("c2") exists only as a record that stopped moving, as an overloaded member's does, and as
 * what it answers when asked directly.
 */
class NodeLivenessTest {
  private static final Duration TTL = Duration.ofSeconds(5);
  private static final Duration HEARTBEAT = Duration.ofSeconds(1);

  @TempDir Path dataDir;
  private RaftClusterStore store;
  private final AtomicLong clock = new AtomicLong(System.nanoTime());
  private final MemberWatch members = new MemberWatch(clock::get);
  private final AtomicReference<Optional<Map<String, MemberProbe.Held>>> c2Says = new AtomicReference<>(Optional.empty());
  private NodeLiveness liveness;
  private long selfSeq;

  @BeforeEach
  void start() throws Exception {
    store = RaftClusterStore.start(StoreConfig.single("c1", "127.0.0.1", FreePort.any(), dataDir),
        Duration.ofSeconds(60));
    NodeRegistrar registrar = new NodeRegistrar(store, Clock.systemUTC());
    registrar.online(NodeFacts.newBuilder().setName("n1").setAddress("10.0.0.1").build(), true, "");
    store.putMember(MemberRecord.newBuilder().setId("c2").setGrpcEndpoint("c2:7000").addConnectedNodes("n1")
        .setRefreshedSeq(1).build());
    selfMoves();
    SessionRegistry noSessionsHere = new SessionRegistry(new AssignmentBuilder(new TaskNames("berth.")));
    liveness = new NodeLiveness(store, noSessionsHere, members, registrar, member -> c2Says.get(), TTL, "c1",
        clock::get);
  }

  @AfterEach
  void stop() {
    store.close();
  }

  /** This leader's own record moves (its writes get through) and every member sees it at the current time. */
  private void selfMoves() {
    long v = store.putMember(MemberRecord.newBuilder().setId("c1").setRefreshedSeq(++selfSeq).build());
    members.accept(store.awaitVersion(v, Duration.ofSeconds(10)));
  }

  /** What c2 says of n1's session: quiet for so long, its agent told to heartbeat every {@code interval}. */
  private static MemberProbe.Held heard(Duration quiet, Duration interval) {
    return new MemberProbe.Held(quiet, interval);
  }

  /** c2, asked, holds n1's session: quiet so long, its agent heartbeating every {@code interval}. */
  private void c2Hears(Duration quiet, Duration interval) {
    c2Says.set(Optional.of(Map.of("n1", heard(quiet, interval))));
  }

  /** Moves the clock on by {@code d}, runs one liveness pass, and asserts n1's status after it. */
  private void afterCheck(Duration d, NodeStatus expected, String why) {
    advance(d);
    liveness.check();
    assertEquals(expected, statusOfN1(), why);
  }

  private void advance(Duration d) {
    clock.addAndGet(d.toNanos());
    selfMoves();
  }

  /** n1's status after every write made so far has reached the view (the same record again is a barrier write). */
  private NodeStatus statusOfN1() {
    long barrier = store.putMember(MemberRecord.newBuilder().setId("c1").setRefreshedSeq(selfSeq).build());
    return store.awaitVersion(barrier, Duration.ofSeconds(10)).node("n1").orElseThrow().getStatus();
  }

  @Test
  void aNodeWhoseMemberStillHoldsItsSessionIsNotDownThoughThatMembersRecordStalled() {
    c2Hears(Duration.ofMillis(200), HEARTBEAT);
    afterCheck(TTL.plusSeconds(1), NodeStatus.NODE_READY, "c2 said it heard from n1 200 ms ago");

    // c2 stops answering (it died): n1's agent gets the reconnect window on top of the TTL to find
    // another coordinator, counted from c2's last answer; then it is down.
    c2Says.set(Optional.empty());
    afterCheck(Duration.ofSeconds(3), NodeStatus.NODE_READY, "within the TTL of c2's direct answer");
    afterCheck(Duration.ofSeconds(3), NodeStatus.NODE_READY, "past the TTL, within the reconnect window");
    afterCheck(Duration.ofNanos(NodeLiveness.AGENT_RECONNECT_WINDOW_NANOS), NodeStatus.NODE_DOWN, null);
  }

  @Test
  void aNodeOnlyAMembersAnswersVouchedForGetsTheReconnectWindowWhenThatMemberGoesSilent() {
    // c2's record stalled before n1's agent came to it (the same seq: it did not move), so only
    // c2's direct answers vouch for n1.
    store.putMember(MemberRecord.newBuilder().setId("c2").setGrpcEndpoint("c2:7000").setRefreshedSeq(1).build());
    c2Hears(Duration.ofMillis(200), HEARTBEAT);
    afterCheck(TTL.plusSeconds(1), NodeStatus.NODE_READY, "c2 said it heard from n1 200 ms ago");

    // c2 stops answering (collector pauses, or it died): n1's agent is c2's orphan, not a dead node.
    c2Says.set(Optional.empty());
    afterCheck(TTL.plusSeconds(1), NodeStatus.NODE_READY, "past the TTL of c2's answer, within the reconnect window");
    afterCheck(Duration.ofNanos(NodeLiveness.AGENT_RECONNECT_WINDOW_NANOS), NodeStatus.NODE_DOWN, null);
  }

  @Test
  void theAgentsOfAGoneMemberGetTimeInProportionToHowManyReconnect() {
    // c2 held 500 sessions when it died: they all reconnect through the survivors at once.
    MemberRecord.Builder c2 = MemberRecord.newBuilder().setId("c2").setGrpcEndpoint("c2:7000")
        .setRefreshedSeq(2).addConnectedNodes("n1");
    for (int i = 0; i < 499; i++) {
      c2.addConnectedNodes("other-" + i);
    }
    store.putMember(c2.build());
    selfMoves();
    assertEquals(Duration.ofSeconds(20).toNanos(), NodeLiveness.reconnectWindowNanos(500));
    assertEquals(NodeLiveness.AGENT_RECONNECT_WINDOW_NANOS, NodeLiveness.reconnectWindowNanos(1));

    afterCheck(TTL.plusSeconds(11), NodeStatus.NODE_READY, "past TTL + 10 s, within TTL + 500 x 40 ms");
    afterCheck(Duration.ofSeconds(10), NodeStatus.NODE_DOWN, "past TTL + 20 s");
  }

  @Test
  void aSessionQuietPastTheTtlVouchesWhileItsAgentIsNotDueToHeartbeat() {
    // At 10,000 nodes agents heartbeat every 10 s, twice the TTL: c2's record stalled (a long
    // collector pause) and c2, asked, has not heard from n1 for 8 s, which is on time for n1.
    Duration interval = Duration.ofSeconds(10);
    c2Hears(TTL.plusSeconds(3), interval);
    afterCheck(TTL.plusSeconds(3), NodeStatus.NODE_READY, "quiet 8 s, next heartbeat due at 10 s");

    c2Hears(Duration.ofSeconds(12), interval);
    afterCheck(Duration.ofSeconds(4), NodeStatus.NODE_READY, "its heartbeat 2 s overdue: within the TTL");

    c2Hears(Duration.ofSeconds(17), interval);
    afterCheck(Duration.ofSeconds(5), NodeStatus.NODE_DOWN, "its heartbeat 7 s overdue: past the TTL");
  }

  @Test
  void theNodesALiveMemberReleasesTogetherGetTimeInProportionToHowManyReconnect() {
    // c2 holds 500 sessions, then hands them all off (its replica stuck): its record moves on
    // listing none of them, and, asked, it holds none. Their agents queue for the survivors.
    List<String> held = new java.util.ArrayList<>(List.of("n1"));
    for (int i = 0; i < 499; i++) {
      held.add(String.format("other-%03d", i));
    }
    java.util.Collections.sort(held);
    store.putMember(MemberRecord.newBuilder().setId("c2").setGrpcEndpoint("c2:7000").setRefreshedSeq(2)
        .addAllConnectedNodes(held).build());
    selfMoves();
    store.putMember(MemberRecord.newBuilder().setId("c2").setGrpcEndpoint("c2:7000").setRefreshedSeq(3).build());
    selfMoves();
    c2Says.set(Optional.of(Map.of()));

    afterCheck(TTL.plusSeconds(1), NodeStatus.NODE_READY, "released with 499 others: TTL + 500 x 40 ms");
    afterCheck(Duration.ofSeconds(20), NodeStatus.NODE_DOWN, "past TTL + 20 s");
  }

  @Test
  void aNodeALiveMemberReleasesAloneIsJudgedAtTheTtl() {
    // n1's agent died: c2's record moves on without it, and only it.
    store.putMember(MemberRecord.newBuilder().setId("c2").setGrpcEndpoint("c2:7000").setRefreshedSeq(2).build());
    selfMoves();
    c2Says.set(Optional.of(Map.of()));
    afterCheck(TTL.plusSeconds(1), NodeStatus.NODE_DOWN, null);
  }

  @Test
  void aMemberThatHoldsOnlyAQuietSessionVouchesForNothing() {
    c2Hears(TTL.plusSeconds(3), HEARTBEAT);
    afterCheck(TTL.plusSeconds(1), NodeStatus.NODE_DOWN, "c2 holds a session but n1's heartbeat is 7 s overdue");
  }

  @Test
  void withinTheGracePeriodNobodyIsJudgedAndNobodyIsAsked() {
    c2Says.set(null); // asking would fail the test: Optional expected
    afterCheck(TTL.minusSeconds(1), NodeStatus.NODE_READY, null);
    assertTrue(TimeUnit.NANOSECONDS.toSeconds(clock.get()) > 0);
  }

  @Test
  void aDownNodesActiveTasksAreLostAndNothingElseOfTheirJobIsWritten() {
    JobKey web = new JobKey("default", "web");
    TaskRecord.Builder t = TaskRecord.newBuilder().setNamespace("default").setJob("web")
        .setDesired(DesiredState.DESIRED_RUN).setState(TaskState.TASK_RUNNING);
    long v = store.update(s -> new StateChange()
        .putJob(web, JobState.newBuilder().setJob(JobRecord.newBuilder().setVersion(1)
            .setSpec(JobSpec.newBuilder().setName("web"))).build())
        .putTask(web, t.setId("on-n1").setNode("n1").build())
        .putTask(web, t.setId("done-on-n1").setNode("n1").setState(TaskState.TASK_EXITED).build())
        .putTask(web, t.setId("on-n2").setNode("n2").setState(TaskState.TASK_RUNNING).build()));
    ClusterSnapshot before = store.awaitVersion(v, Duration.ofSeconds(10));

    c2Hears(TTL.plusSeconds(3), HEARTBEAT);
    afterCheck(TTL.plusSeconds(1), NodeStatus.NODE_DOWN, null);
    ClusterSnapshot after = store.snapshot();
    TaskRecord lost = after.task("on-n1").orElseThrow();
    assertEquals(TaskState.TASK_LOST, lost.getState());
    assertTrue(lost.getMessage().startsWith("node n1 down: "), lost.getMessage());
    assertEquals(TaskState.TASK_EXITED, after.task("done-on-n1").orElseThrow().getState(), "a finished task stays finished");
    assertEquals(before.task("on-n2"), after.task("on-n2"), "another node's task is as it was");
    assertEquals(before.jobWithoutTasks(web), after.jobWithoutTasks(web), "the job record is not rewritten");
  }
}
