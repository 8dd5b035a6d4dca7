package io.berth.coordinator.session;

import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.function.Consumer;

/** Compares two sets of ids held sorted in String order in one walk, without hashing either. */
final class SortedIdDiff {
  private SortedIdDiff() {
  }

  /** Whether both hold the same ids. */
  static boolean same(List<String> before, Collection<String> after) {
    if (before.size() != after.size()) {
      return false;
    }
    Iterator<String> a = after.iterator();
    for (String id : before) {
      if (!id.equals(a.next())) {
        return false;
      }
    }
    return true;
  }

  /**
   * Walks both in order, calling {@code kept} for ids in both, {@code added} for ids only in
   * {@code after}, {@code removed} for ids only in {@code before}; kept and added come in order.
   */
  static void walk(List<String> before, Collection<String> after,
      Consumer<String> kept, Consumer<String> added, Consumer<String> removed) {
    Iterator<String> b = before.iterator();
    Iterator<String> a = after.iterator();
    String x = b.hasNext() ? b.next() : null;
    String y = a.hasNext() ? a.next() : null;
    while (x != null || y != null) {
      int c = x == null ? 1 : y == null ? -1 : x.compareTo(y);
      if (c == 0) {
        kept.accept(x);
        x = b.hasNext() ? b.next() : null;
        y = a.hasNext() ? a.next() : null;
      } else if (c < 0) {
        removed.accept(x);
        x = b.hasNext() ? b.next() : null;
      } else {
        added.accept(y);
        y = a.hasNext() ? a.next() : null;
      }
    }
  }
}
