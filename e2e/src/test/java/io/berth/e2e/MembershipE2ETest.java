package io.berth.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.proto.ClusterStatusRequest;
import io.berth.proto.ClusterStatusResponse;
import io.berth.proto.ListJobsRequest;
import io.berth.proto.Member;
import io.berth.proto.RunJobRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Raft membership with real coordinator processes: joins that must be refused change nothing; a
 * member killed with -9 is removed with `berth cluster remove` and replaced by a new one added
 * with --join and the token; the cluster then loses its leader and keeps every acknowledged job.
 * No containers: jobs of count 0 are plain replicated writes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MembershipE2ETest {
  static final Duration SETTLE = Duration.ofSeconds(90);
  static final int NEW = 3;      // the slot of the member added with --join
  static final int OTHER = 4;    // the slot of a one-member cluster of its own (bad input)

  final String run = UUID.randomUUID().toString().substring(0, 6);
  final List<String> acknowledged = new ArrayList<>();
  Path work;
  CoordinatorCluster cluster;

  @BeforeAll
  void start() throws Exception {
    work = Files.createTempDirectory("berth-e2e-members-");
    cluster = new CoordinatorCluster(work, BerthProcess.home().resolve("e2e/target/e2e-logs/members-" + run), 3, 2);
    cluster.startAll();
  }

  @AfterAll
  void stop() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @Order(1)
  void joinsThatMustBeRefusedChangeNothing() throws Exception {
    Set<String> members = Set.of(cluster.memberId(0), cluster.memberId(1), cluster.memberId(2));
    String token = cluster.token();

    String wrongToken = token.substring(0, token.lastIndexOf('-') + 1) + "not-the-secret";
    assertRefused(cluster.launch(NEW, List.of("--join", cluster.endpoint(0), "--token", wrongToken)),
        "join token is not valid");

    // A member address that is taken: member 1's Raft address, while member 1 is up.
    assertRefused(cluster.launch(NEW, List.of("--join", cluster.endpoint(0), "--token", token),
        work.resolve("taken"), cluster.raft[1]), "is taken by member " + cluster.memberId(1));

    // A data dir of another cluster: made by a one-member cluster of its own, then stopped.
    Path other = work.resolve("other");
    BerthProcess otherCluster = cluster.launch(OTHER, List.of("--bootstrap"), other);
    otherCluster.awaitOutput("berth agent start --coordinator", SETTLE);
    otherCluster.close();
    byte[] otherCa = Files.readAllBytes(other.resolve("ca/ca.crt"));
    assertRefused(cluster.launch(NEW, List.of("--join", cluster.endpoint(0), "--token", token), other),
        "belongs to another cluster");
    assertTrue(java.util.Arrays.equals(otherCa, Files.readAllBytes(other.resolve("ca/ca.crt"))),
        "the other cluster's data dir is left as it was");

    BerthProcess.Result unknown = cluster.berth(0, "cluster", "remove", "c-nobody-1");
    assertNotEquals(0, unknown.exit());
    assertTrue(unknown.err().contains("no member c-nobody-1"), unknown.err());

    for (int i = 0; i < 3; i++) {
      assertEquals(members, memberIds(status(i)), "member " + i + " still sees the same three members");
    }
    assertTrue(Files.notExists(work.resolve("c" + NEW)), "nothing was written for the refused joins");
  }

  @Test
  @Order(2)
  void aDeadMemberIsReplacedAndTheClusterThenSurvivesItsLeader() throws Exception {
    acknowledge(0, "before");
    int leader = Await.until("a leader", SETTLE, () -> cluster.leaderSeenBy(0), Optional::isPresent).get();
    int victim = leader == 2 ? 1 : 2;
    int survivor = 3 - leader - victim; // the other one of 0, 1, 2
    cluster.kill(victim);

    BerthProcess.Result removed = cluster.berth(survivor, "cluster", "remove", cluster.memberId(victim));
    assertEquals(0, removed.exit(), removed.out() + removed.err());
    assertTrue(removed.out().contains("member " + cluster.memberId(victim) + " removed"), removed.out());
    Await.until("the removed member gone from every survivor's status", SETTLE, () -> List.of(leader, survivor).stream()
        .allMatch(i -> memberIds(status(i)).equals(Set.of(cluster.memberId(leader), cluster.memberId(survivor)))));
    acknowledge(survivor, "after-remove");

    // The removed member, restarted on its old data dir, is refused instead of putting itself back.
    cluster.start(victim);
    assertRefused(cluster.processes[victim], "removed from the cluster");

    cluster.start(NEW); // --join through a live member, with the token
    cluster.awaitUp(NEW);
    Set<String> replaced = Set.of(cluster.memberId(leader), cluster.memberId(survivor), cluster.memberId(NEW));
    ClusterStatusResponse grown = Await.until("the new member a healthy voter", SETTLE, () -> status(leader),
        s -> memberIds(s).equals(replaced) && s.getMembersList().stream()
            .allMatch(m -> m.getHealthy() && m.getRaftRole().equals("voter")));
    assertEquals(3, grown.getMembersCount());
    acknowledge(NEW, "through-new");

    // The leader dies: the new member and the survivor are a majority of the new configuration.
    cluster.kill(leader);
    acknowledgeThroughAny("after-leader-kill", NEW, survivor);
    int newLeader = Await.until("a new leader", SETTLE, () -> cluster.leaderSeenBy(NEW),
        l -> l.isPresent() && l.get() != leader).get();
    assertTrue(newLeader == NEW || newLeader == survivor);
    for (int i : List.of(NEW, survivor)) {
      assertTrue(jobs(i).containsAll(acknowledged), "member " + i + " has every acknowledged job: " + jobs(i));
    }

    // The old leader comes back (its data dir); the added member restarts without the token.
    cluster.start(leader);
    cluster.awaitUp(leader);
    cluster.kill(NEW);
    cluster.start(NEW);
    cluster.awaitUp(NEW);
    assertTrue(cluster.processes[NEW].output().contains("holds member " + cluster.memberId(NEW)),
        "restarted from its data dir, without the token: " + cluster.processes[NEW].output());
    for (int i : List.of(leader, survivor, NEW)) {
      int member = i;
      Await.until("member " + i + " lists every acknowledged job", SETTLE, () -> jobs(member).containsAll(acknowledged));
      Await.until("member " + i + " sees three healthy members", SETTLE, () -> {
        ClusterStatusResponse s = status(member);
        return memberIds(s).equals(replaced) && s.getMembersList().stream().allMatch(Member::getHealthy);
      });
    }
  }

  private void assertRefused(BerthProcess p, String why) {
    Await.until("the refused coordinator to exit", SETTLE, () -> !p.process.isAlive());
    assertNotEquals(0, p.process.exitValue(), p.output());
    assertTrue(p.output().contains(why), "expected '" + why + "' in:\n" + p.output());
  }

  private void acknowledge(int member, String name) {
    acknowledgeThroughAny(name, member);
  }

  /** Submits a job through the first of the members that acknowledges it, retrying for a while. */
  private void acknowledgeThroughAny(String name, int... members) {
    String job = "m-" + run + "-" + name;
    Await.until("job " + job + " acknowledged", SETTLE, () -> {
      for (int i : members) {
        try {
          cluster.api(i).runJob(RunJobRequest.newBuilder().setSourceName(job + ".yaml")
              .setSpecYaml("name: " + job + "\ngroups: [{name: g, count: 0, image: lab/busybox:1}]\n").build());
          return true;
        } catch (RuntimeException e) {
          // no quorum or no leader yet: the next member, or again
        }
      }
      return false;
    });
    acknowledged.add(job);
  }

  private Set<String> jobs(int member) {
    try {
      return cluster.api(member).listJobs(ListJobsRequest.getDefaultInstance()).getJobsList().stream()
          .map(j -> j.getJob().getSpec().getName()).collect(Collectors.toSet());
    } catch (RuntimeException e) {
      return Set.of();
    }
  }

  private ClusterStatusResponse status(int member) {
    return cluster.api(member).getClusterStatus(ClusterStatusRequest.getDefaultInstance());
  }

  private static Set<String> memberIds(ClusterStatusResponse s) {
    return s.getMembersList().stream().map(Member::getId).collect(Collectors.toSet());
  }
}
