package io.berth.dns;

import java.util.Arrays;
import java.util.List;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;

/**
 * Everything the zone holds at one owner name: an answer per type present. A node with no types is
 * an empty non-terminal (it exists because a name below it has data), so it answers NODATA.
 */
final class NameNode {
  private static final int[] NO_TYPES = new int[0];
  private static final Answer[] NO_ANSWERS = new Answer[0];

  final Name name;
  /** The name on the wire, lowercased: its key in {@link WireNameTable}, made once per name. */
  final byte[] wireKey;
  /** The zone whose negative answers this name gives; null in a {@link ZonePart} not yet included. */
  final Zone zone;
  // Parallel arrays: a name has a handful of types, a scan beats a map and allocates nothing.
  private final int[] types;
  private final Answer[] answers;

  NameNode(Name name, Zone zone, int[] types, Answer[] answers) {
    this(name, WireNameTable.key(name), zone, types, answers);
  }

  private NameNode(Name name, byte[] wireKey, Zone zone, int[] types, Answer[] answers) {
    this.name = name;
    this.wireKey = wireKey;
    this.zone = zone;
    this.types = types;
    this.answers = answers;
  }

  static NameNode emptyNonTerminal(Name name, Zone zone) {
    return new NameNode(name, zone, NO_TYPES, NO_ANSWERS);
  }

  /** This name's answers in another zone snapshot: they are shared, only the zone differs. */
  NameNode in(Zone other) {
    return new NameNode(name, wireKey, other, types, answers);
  }

  /** The answer for this type, or the zone's NODATA when the name has no such records. */
  Answer answer(int type) {
    for (int i = 0; i < types.length; i++) {
      if (types[i] == type) {
        return answers[i];
      }
    }
    return zone.noData;
  }

  /** RFC 8482: ANY gets one RRset (the first added), not everything the name has. */
  Answer anyAnswer() {
    return answers.length == 0 ? zone.noData : answers[0];
  }

  void addRecordsTo(List<Record> out) {
    for (Answer answer : answers) {
      out.addAll(Arrays.asList(answer.answer));
    }
  }

  boolean isEmptyNonTerminal() {
    return types.length == 0;
  }
}
