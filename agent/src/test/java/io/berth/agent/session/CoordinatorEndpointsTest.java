package io.berth.agent.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CoordinatorEndpointsTest {

  @Test
  void parsesACommaSeparatedListAndRotatesThroughIt() {
    CoordinatorEndpoints e = CoordinatorEndpoints.parse(" 10.0.0.1:7070, 10.0.0.2:7070 ,");
    assertEquals(List.of("10.0.0.1:7070", "10.0.0.2:7070"), e.all());
    assertEquals("10.0.0.1:7070", e.next());
    assertEquals("10.0.0.2:7070", e.next());
    assertEquals("10.0.0.1:7070", e.next());
  }

  @Test
  void theClustersListComesFirstAndTheSeedsStayAsAFallback() {
    CoordinatorEndpoints e = CoordinatorEndpoints.parse("seed:7070");
    e.refresh(List.of("c1:7070", "c2:7070", "not an endpoint", "seed:7070"));
    assertEquals(Set.of("c1:7070", "c2:7070", "seed:7070"), Set.copyOf(e.all()));
    assertEquals("c1:7070", e.next(), "the coordinator that sent the list first");
  }

  @Test
  void aCoordinatorJustLeftIsTriedLastAndTheOthersInTurn() {
    CoordinatorEndpoints e = CoordinatorEndpoints.parse("c0:7070");
    e.refresh(List.of("c0:7070", "c1:7070", "c2:7070"));
    assertEquals("c0:7070", e.next());

    e.tryOthersFirst("c0:7070");
    String first = e.next();
    e.tryOthersFirst(first);
    String second = e.next();

    assertEquals(Set.of("c1:7070", "c2:7070"), Set.of(first, second), "both others before the one left");
    e.tryOthersFirst(second);
    assertEquals("c0:7070", e.next(), "then the one left, which may be back");
  }

  @Test
  void theAgentsOfALostCoordinatorSpreadOverTheOthers() {
    Map<String, Integer> dialled = new HashMap<>();
    Random seeds = new Random(42); // each agent's generator seeded apart, as new Random() does
    for (int agent = 0; agent < 1000; agent++) {
      CoordinatorEndpoints e = new CoordinatorEndpoints(List.of("c0:7070", "c1:7070", "c2:7070"),
          new Random(seeds.nextLong()));
      e.refresh(List.of("c0:7070", "c1:7070", "c2:7070")); // the same list from the coordinator joined
      e.tryOthersFirst("c0:7070");
      dialled.merge(e.next(), 1, Integer::sum);
    }

    assertEquals(Set.of("c1:7070", "c2:7070"), dialled.keySet());
    assertTrue(dialled.get("c1:7070") > 400 && dialled.get("c2:7070") > 400, "about half each: " + dialled);
  }

  @Test
  void theSameListPushedAgainKeepsTheAgentsOrder() {
    CoordinatorEndpoints e = CoordinatorEndpoints.parse("c0:7070");
    e.refresh(List.of("c0:7070", "c1:7070", "c2:7070", "c3:7070"));
    e.tryOthersFirst("c0:7070");
    List<String> order = e.all();

    e.refresh(List.of("c3:7070", "c2:7070", "c1:7070", "c0:7070"));

    assertEquals(order, e.all());
  }

  @Test
  void rejectsWhatIsNotHostColonPort() {
    for (String bad : List.of("", "host", "host:", ":7070", "host:port", "host:70000",
        "::1:7070")) {
      IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
          () -> CoordinatorEndpoints.parse(bad), bad);
      assertTrue(ex.getMessage().contains("coordinator"), ex.getMessage());
    }
    assertEquals(List.of("[::1]:7070"), CoordinatorEndpoints.parse("[::1]:7070").all());
  }
  @Test
  void aCoordinatorNothingListensAtIsPassedOverForAWhileUnlessNoOtherIsLeft() {
    long[] now = {0};
    CoordinatorEndpoints e = new CoordinatorEndpoints(List.of("c0:7070", "c1:7070", "c2:7070"), new Random(1),
        () -> now[0]);
    e.unreachable("c0:7070");
    e.tryOthersFirst("c0:7070");
    Set<String> tried = new java.util.HashSet<>();
    for (int i = 0; i < 6; i++) {
      String next = e.next();
      tried.add(next);
      e.tryOthersFirst(next); // each survivor turns the agent away in turn
    }
    assertEquals(Set.of("c1:7070", "c2:7070"), tried, "the dead coordinator is not dialled while it is marked");

    e.unreachable("c1:7070");
    e.unreachable("c2:7070");
    tried.clear();
    for (int i = 0; i < 3; i++) {
      tried.add(e.next());
    }
    assertEquals(3, tried.size(), "with every coordinator marked, the rotation goes on as before");

    now[0] += CoordinatorEndpoints.UNREACHABLE_NANOS;
    e.unreachable("c1:7070");
    e.unreachable("c2:7070");
    assertEquals("c0:7070", e.next(), "c0's mark ran out: it is tried again");
  }
}
