package io.berth.dns;

import java.util.Collection;
import java.util.Map;
import java.util.function.Function;
import org.xbill.DNS.Name;

/**
 * A read-only hash table keyed by names in wire form, looked up straight from a packet's bytes
 * (case-insensitively) so the query path builds no Name object. Open addressing, linear probing.
 */
final class WireNameTable<V> {
  private final byte[][] keys;
  private final Object[] values;
  private final int mask;

  WireNameTable(Map<Name, V> entries) {
    this(entries.size());
    for (Map.Entry<Name, V> e : entries.entrySet()) {
      put(key(e.getKey()), e.getValue());
    }
  }

  /** A table of values that know their own key (see {@link #key(Name)}): nothing is encoded again. */
  WireNameTable(Collection<V> entries, Function<V, byte[]> keyOf) {
    this(entries.size());
    for (V value : entries) {
      put(keyOf.apply(value), value);
    }
  }

  private WireNameTable(int size) {
    int capacity = Integer.highestOneBit(Math.max(4, size * 2 + 1)) << 1;
    keys = new byte[capacity][];
    values = new Object[capacity];
    mask = capacity - 1;
  }

  /** A name's key in such a table: its uncompressed wire form, lowercased. */
  static byte[] key(Name name) {
    return lowercase(name.toWire());
  }

  private void put(byte[] key, V value) {
    int slot = hash(key, 0, key.length) & mask;
    while (keys[slot] != null) {
      slot = (slot + 1) & mask;
    }
    keys[slot] = key;
    values[slot] = value;
  }

  /** The value for the uncompressed wire name at packet[offset, offset+length), or null. */
  @SuppressWarnings("unchecked")
  V get(byte[] packet, int offset, int length) {
    for (int slot = hash(packet, offset, length) & mask; ; slot = (slot + 1) & mask) {
      byte[] key = keys[slot];
      if (key == null) {
        return null;
      }
      if (key.length == length && sameIgnoringCase(key, packet, offset)) {
        return (V) values[slot];
      }
    }
  }

  private static boolean sameIgnoringCase(byte[] lowerKey, byte[] packet, int offset) {
    for (int i = 0; i < lowerKey.length; i++) {
      if (lowerKey[i] != lower(packet[offset + i])) {
        return false;
      }
    }
    return true;
  }

  private static int hash(byte[] bytes, int offset, int length) {
    int h = 0;
    for (int i = offset; i < offset + length; i++) {
      h = 31 * h + lower(bytes[i]);
    }
    return h ^ (h >>> 16);
  }

  /** ASCII only, as DNS compares names; label length bytes (< 64) are never touched. */
  private static byte lower(byte b) {
    return b >= 'A' && b <= 'Z' ? (byte) (b + ('a' - 'A')) : b;
  }

  private static byte[] lowercase(byte[] wire) {
    byte[] out = wire; // toWire's array is ours to change
    for (int i = 0; i < out.length; i++) {
      out[i] = lower(out[i]);
    }
    return out;
  }
}
