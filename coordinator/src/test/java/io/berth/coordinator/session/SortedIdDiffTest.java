package io.berth.coordinator.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class SortedIdDiffTest {
  @Test
  void interleavedIdsSplitIntoKeptAddedAndRemovedInOrder() {
    List<String> kept = new ArrayList<>();
    List<String> added = new ArrayList<>();
    List<String> removed = new ArrayList<>();
    SortedIdDiff.walk(List.of("a", "c", "d", "f"), new TreeSet<>(List.of("b", "c", "f", "g", "h")),
        kept::add, added::add, removed::add);
    assertEquals(List.of("c", "f"), kept);
    assertEquals(List.of("b", "g", "h"), added);
    assertEquals(List.of("a", "d"), removed);
  }

  @Test
  void sameComparesIdsNotJustSizes() {
    assertTrue(SortedIdDiff.same(List.of("a", "b"), new TreeSet<>(List.of("b", "a"))));
    assertFalse(SortedIdDiff.same(List.of("a", "b"), new TreeSet<>(List.of("a", "c"))));
    assertFalse(SortedIdDiff.same(List.of("a"), new TreeSet<>(List.of("a", "c"))));
    assertTrue(SortedIdDiff.same(List.of(), new TreeSet<>()));
  }
}
