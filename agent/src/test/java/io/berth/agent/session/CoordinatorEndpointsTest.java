package io.berth.agent.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
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
    assertEquals(List.of("c1:7070", "c2:7070", "seed:7070"), e.all());
    assertEquals("c1:7070", e.next());
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
}
