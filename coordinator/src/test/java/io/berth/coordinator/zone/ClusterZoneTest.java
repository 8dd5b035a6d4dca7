package io.berth.coordinator.zone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.coordinator.state.ClusterSnapshot;
import io.berth.coordinator.state.JobKey;
import io.berth.dns.Responder;
import io.berth.dns.ZonePart;
import io.berth.proto.DesiredState;
import io.berth.proto.GroupSpec;
import io.berth.proto.JobRecord;
import io.berth.proto.JobSpec;
import io.berth.proto.JobState;
import io.berth.proto.NodeFacts;
import io.berth.proto.NodeRecord;
import io.berth.proto.NodeStatus;
import io.berth.proto.TaskHealth;
import io.berth.proto.TaskRecord;
import io.berth.proto.TaskState;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.ReverseMap;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** The cluster state as DNS sees it: only running tasks, at their node's address; reverse agrees. */
class ClusterZoneTest {
  private final Responder responder = new Responder();
  private final ClusterZone zone = new ClusterZone(new TaskNames("berth."),
      List.of(new ClusterZone.Nameserver("c1", addr("10.0.0.1"))), 5);

  @Test
  void runningTasksResolveToTheirNodeAndReverseAgrees() throws Exception {
    zone.accept(snapshot());
    assertEquals(Set.of("10.0.0.11"), addresses("0.web.demo.default.berth."));
    assertEquals(Set.of("10.0.0.12"), addresses("1.web.demo.default.berth."));
    assertEquals(Set.of("10.0.0.11", "10.0.0.12"), addresses("web.demo.default.berth."));
    assertEquals(Set.of("10.0.0.12"), addresses("h2.node.berth."));
    // A placed task that is not running yet has no name (NXDOMAIN), and neither has a stopped one.
    assertEquals(Rcode.NXDOMAIN, ask("2.web.demo.default.berth.", Type.A).getRcode());
    assertEquals(Rcode.NXDOMAIN, ask("3.web.demo.default.berth.", Type.A).getRcode());

    Message srv = ask("_http._tcp.web.demo.default.berth.", Type.SRV);
    Set<Integer> ports = srv.getSection(Section.ANSWER).stream().map(r -> ((SRVRecord) r).getPort()).collect(Collectors.toSet());
    assertEquals(Set.of(20000, 20001), ports);

    Message ptr = ask(ReverseMap.fromAddress(addr("10.0.0.12")).toString(), Type.PTR);
    assertEquals(Rcode.NOERROR, ptr.getRcode(), ptr.toString());
    Name target = ((PTRRecord) ptr.getSection(Section.ANSWER).get(0)).getTarget();
    assertTrue(addresses(target.toString()).contains("10.0.0.12"), "forward of the PTR target gives the address back");
    assertEquals(7, zone.current().serial(), "the SOA serial follows the state version");
  }

  @Test
  void aTaskFailingItsHealthCheckLeavesItsGroupsAnswersButKeepsItsName() throws Exception {
    ClusterSnapshot base = snapshot();
    JobKey key = new JobKey("default", "demo");
    JobState js = base.job(key).orElseThrow();
    JobState.Builder b = js.toBuilder();
    b.setTasks(1, js.getTasks(1).toBuilder().setHealth(TaskHealth.HEALTH_UNHEALTHY).setHealthOutput("HTTP 503"));
    b.setTasks(0, js.getTasks(0).toBuilder().setHealth(TaskHealth.HEALTH_HEALTHY));
    zone.accept(new ClusterSnapshot(8, base.nodes(), Map.of(key, b.build())));

    assertEquals(Set.of("10.0.0.11"), addresses("web.demo.default.berth."));
    Message srv = ask("_http._tcp.web.demo.default.berth.", Type.SRV);
    assertEquals(Set.of(20000), srv.getSection(Section.ANSWER).stream().map(r -> ((SRVRecord) r).getPort())
        .collect(Collectors.toSet()));
    assertEquals(Set.of("10.0.0.12"), addresses("1.web.demo.default.berth."), "its own name still resolves");

    // Passing again, it is back in the group.
    b.setTasks(1, js.getTasks(1).toBuilder().setHealth(TaskHealth.HEALTH_HEALTHY));
    zone.accept(new ClusterSnapshot(9, base.nodes(), Map.of(key, b.build())));
    assertEquals(Set.of("10.0.0.11", "10.0.0.12"), addresses("web.demo.default.berth."));
  }

  @Test
  void aBurstOfChangesEndsInTheNewestZone() throws Exception {
    ClusterZone coalesced = new ClusterZone(new TaskNames("berth."),
        List.of(new ClusterZone.Nameserver("c1", addr("10.0.0.1"))), 5).coalescing(java.time.Duration.ofMillis(20));
    ClusterSnapshot base = snapshot();
    for (long v = 8; v <= 500; v++) {
      // Each a state of its own (new maps), as every write makes: the zone has to be rebuilt.
      coalesced.accept(new ClusterSnapshot(v, base.nodes(), base.jobs()));
    }
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (coalesced.current().serial() != 500 && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertEquals(500, coalesced.current().serial(), "the last state wins");
  }

  @Test
  void aChangeOutsideNodesAndJobsKeepsTheZoneItHas() throws Exception {
    ClusterSnapshot base = snapshot();
    zone.accept(base);
    var built = zone.current();
    // What a member record's refresh looks like to the zone: a newer version, the same nodes and jobs.
    zone.accept(base.withVersion(8));
    assertTrue(zone.current() == built, "not rebuilt: same zone object");
    assertEquals(7, zone.current().serial(), "the serial moves only with the zone's content");
    zone.accept(new ClusterSnapshot(9, base.nodes(), base.jobs()));
    assertEquals(9, zone.current().serial(), "a write to nodes or jobs rebuilds it");
    assertEquals(Set.of("10.0.0.11", "10.0.0.12"), addresses("web.demo.default.berth."));
  }

  @Test
  void aGroupAnswersEachNodeOnceWithTheLowestTtlOfItsTasks() throws Exception {
    JobSpec spec = JobSpec.newBuilder().setName("demo").setNamespace("default")
        .addGroups(GroupSpec.newBuilder().setName("web").setCount(4).setDnsTtlSeconds(30)).build();
    JobState js = JobState.newBuilder().setJob(JobRecord.newBuilder().setSpec(spec).setVersion(1))
        .addTasks(task(0, "h1", TaskState.TASK_RUNNING, DesiredState.DESIRED_RUN, 20000))
        .addTasks(task(1, "h2", TaskState.TASK_RUNNING, DesiredState.DESIRED_RUN, 20001))
        .addTasks(task(2, "h1", TaskState.TASK_RUNNING, DesiredState.DESIRED_RUN, 20002))
        .addTasks(task(3, "h1", TaskState.TASK_RUNNING, DesiredState.DESIRED_RUN, 20003))
        .build();
    zone.accept(new ClusterSnapshot(3, Map.of("h1", node("h1", "10.0.0.11"), "h2", node("h2", "10.0.0.12")),
        Map.of(new JobKey("default", "demo"), js)));
    List<Record> group = ask("web.demo.default.berth.", Type.A).getSection(Section.ANSWER);
    assertEquals(List.of("10.0.0.11", "10.0.0.12"),
        group.stream().map(r -> ((ARecord) r).getAddress().getHostAddress()).toList(), "each node once, first seen first");
    assertTrue(group.stream().allMatch(r -> r.getTTL() == 30), group.toString());
    assertEquals(Set.of("10.0.0.11"), addresses("3.web.demo.default.berth."));
    assertEquals(4, ask("_http._tcp.web.demo.default.berth.", Type.SRV).getSection(Section.ANSWER).size(),
        "one SRV record per task: the ports differ");
  }

  @Test
  void aRebuildRendersOnlyTheJobsThatChangedAndFollowsANodesNewAddress() throws Exception {
    JobKey demo = new JobKey("default", "demo");
    JobKey other = new JobKey("default", "other");
    ClusterSnapshot two = snapshot().withJob(8, other, otherJob(TaskState.TASK_PENDING));
    zone.accept(two);
    assertEquals(Rcode.NXDOMAIN, ask("0.db.other.default.berth.", Type.A).getRcode(), "not running yet");
    List<ZonePart> demoParts = zone.partsOf(demo);

    // The other job's task comes up: its names are rendered again, the unchanged job's are kept.
    ClusterSnapshot running = two.withJob(9, other, otherJob(TaskState.TASK_RUNNING));
    zone.accept(running);
    assertSameParts(demoParts, zone.partsOf(demo));
    assertEquals(Set.of("10.0.0.12"), addresses("0.db.other.default.berth."));
    assertEquals(Set.of("10.0.0.11", "10.0.0.12"), addresses("web.demo.default.berth."), "kept names still answer");
    assertEquals(9, zone.current().serial());

    // A node's new address reaches the names of every job on it, changed or not.
    zone.accept(running.withNode(10, node("h1", "10.0.0.21")));
    for (int i = 0; i < demoParts.size(); i++) {
      assertNotSame(demoParts.get(i), zone.partsOf(demo).get(i));
    }
    assertEquals(Set.of("10.0.0.21"), addresses("0.web.demo.default.berth."));
    assertEquals(Set.of("10.0.0.21"), addresses("h1.node.berth."));
  }

  @Test
  void aChangedTaskRendersItsBlockOfNamesAgainAndTheOtherBlocksAreKept() throws Exception {
    JobKey big = new JobKey("default", "big");
    TaskRecord first = bigTask(0, "h1", TaskState.TASK_RUNNING);
    zone.accept(snapshot().withJob(8, big, bigJob(first, bigTask(ClusterZone.TASKS_PER_BLOCK, "h2",
        TaskState.TASK_PENDING))));
    List<ZonePart> before = zone.partsOf(big); // the groups' part, then one part per block
    assertEquals(3, before.size());
    assertEquals(Rcode.NXDOMAIN, ask(ClusterZone.TASKS_PER_BLOCK + ".w.big.default.berth.", Type.A).getRcode());

    // The second block's task comes up; the first block's record is the very same object.
    zone.accept(snapshot().withJob(9, big, bigJob(first, bigTask(ClusterZone.TASKS_PER_BLOCK, "h2",
        TaskState.TASK_RUNNING))));
    List<ZonePart> after = zone.partsOf(big);
    assertNotSame(before.get(0), after.get(0), "a group's answer holds all of its tasks' nodes");
    assertSame(before.get(1), after.get(1), "the first block's tasks did not change");
    assertNotSame(before.get(2), after.get(2));
    assertEquals(Set.of("10.0.0.11"), addresses("0.w.big.default.berth."));
    assertEquals(Set.of("10.0.0.12"), addresses(ClusterZone.TASKS_PER_BLOCK + ".w.big.default.berth."));
    assertEquals(Set.of("10.0.0.11", "10.0.0.12"), addresses("w.big.default.berth."));
    // An SRV answer's target address comes with it, though the target's name is in a block's part.
    Message srv = ask("_http._tcp.w.big.default.berth.", Type.SRV);
    assertEquals(2, srv.getSection(Section.ANSWER).size(), srv.toString());
    assertEquals(Set.of("10.0.0.11", "10.0.0.12"), srv.getSection(Section.ADDITIONAL).stream()
        .map(r -> ((ARecord) r).getAddress().getHostAddress()).collect(Collectors.toSet()));
  }

  private static TaskRecord bigTask(int index, String node, TaskState state) {
    return TaskRecord.newBuilder().setId("big-w-" + index).setNamespace("default").setJob("big").setGroup("w")
        .setIndex(index).setNode(node).setState(state).setDesired(DesiredState.DESIRED_RUN)
        .putPorts("http", 30000 + index).build();
  }

  private static JobState bigJob(TaskRecord... tasks) {
    JobSpec spec = JobSpec.newBuilder().setName("big").setNamespace("default")
        .addGroups(GroupSpec.newBuilder().setName("w").setCount(tasks.length).setImage("i")).build();
    return JobState.newBuilder().setJob(JobRecord.newBuilder().setSpec(spec).setVersion(1))
        .addAllTasks(List.of(tasks)).build();
  }

  /** The very same parts, in order: kept, not rendered again. */
  private static void assertSameParts(List<ZonePart> expected, List<ZonePart> actual) {
    assertEquals(expected.size(), actual.size());
    for (int i = 0; i < expected.size(); i++) {
      assertSame(expected.get(i), actual.get(i), "part " + i);
    }
  }

  private static JobState otherJob(TaskState state) {
    JobSpec spec = JobSpec.newBuilder().setName("other").setNamespace("default")
        .addGroups(GroupSpec.newBuilder().setName("db").setCount(1).setImage("i")).build();
    return JobState.newBuilder().setJob(JobRecord.newBuilder().setSpec(spec).setVersion(1))
        .addTasks(TaskRecord.newBuilder().setId("other-db-0").setNamespace("default").setJob("other").setGroup("db")
            .setIndex(0).setNode("h2").setState(state).setDesired(DesiredState.DESIRED_RUN))
        .build();
  }

  private Set<String> addresses(String name) throws Exception {
    Message m = ask(name, Type.A);
    assertEquals(Rcode.NOERROR, m.getRcode(), m.toString());
    return m.getSection(Section.ANSWER).stream().filter(r -> r.getType() == Type.A)
        .map(r -> ((ARecord) r).getAddress().getHostAddress()).collect(Collectors.toSet());
  }

  private Message ask(String name, int type) throws Exception {
    return responder.answer(Message.newQuery(Record.newRecord(Name.fromString(name), type, DClass.IN)), zone.current());
  }

  private static ClusterSnapshot snapshot() {
    JobSpec spec = JobSpec.newBuilder().setName("demo").setNamespace("default").setType("service")
        .addGroups(GroupSpec.newBuilder().setName("web").setCount(4).setImage("i")).build();
    JobState js = JobState.newBuilder()
        .setJob(JobRecord.newBuilder().setSpec(spec).setVersion(1))
        .addTasks(task(0, "h1", TaskState.TASK_RUNNING, DesiredState.DESIRED_RUN, 20000))
        .addTasks(task(1, "h2", TaskState.TASK_RUNNING, DesiredState.DESIRED_RUN, 20001))
        .addTasks(task(2, "h2", TaskState.TASK_PENDING, DesiredState.DESIRED_RUN, 20002))
        .addTasks(task(3, "h1", TaskState.TASK_RUNNING, DesiredState.DESIRED_STOP, 20003))
        .build();
    return new ClusterSnapshot(7, Map.of("h1", node("h1", "10.0.0.11"), "h2", node("h2", "10.0.0.12")),
        Map.of(new JobKey("default", "demo"), js));
  }

  private static TaskRecord task(int index, String node, TaskState state, DesiredState desired, int port) {
    return TaskRecord.newBuilder().setId("demo-web-" + index).setNamespace("default").setJob("demo").setGroup("web")
        .setIndex(index).setNode(node).setState(state).setDesired(desired).putPorts("http", port).build();
  }

  private static NodeRecord node(String name, String address) {
    return NodeRecord.newBuilder().setFacts(NodeFacts.newBuilder().setName(name).setAddress(address))
        .setStatus(NodeStatus.NODE_READY).build();
  }

  private static InetAddress addr(String a) {
    try {
      return InetAddress.getByName(a);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }
}
