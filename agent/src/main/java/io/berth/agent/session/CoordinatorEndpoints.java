package io.berth.agent.session;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * The coordinators the agent may dial, tried in turn. Starts with the operator's list; every
 * JoinResponse puts the cluster's current coordinators first, keeping the operator's as a
 * fallback (the cluster's list may be stale after a membership change). The one the agent is on
 * comes first and the others follow in an order of this agent's own, and a coordinator the agent
 * just left or failed to join goes last: when a coordinator dies or hands its sessions off, its
 * agents spread over the others instead of all dialling it again and then the same next one.
 * Thread-safe.
 */
public final class CoordinatorEndpoints {

  /** How long a coordinator nothing listened at is passed over while another may answer. */
  static final long UNREACHABLE_NANOS = 10_000_000_000L;

  private final List<String> seeds;
  private final Random random;
  private final LongSupplier nanoTime;
  private List<String> current;
  private int next;
  /** Coordinators that refused the TCP connection itself, and until when they are passed over. */
  private final Map<String, Long> unreachableUntil = new HashMap<>();

  public CoordinatorEndpoints(List<String> seeds) {
    this(seeds, new Random(), System::nanoTime);
  }

  /** @param random orders the other coordinators for this agent */
  public CoordinatorEndpoints(List<String> seeds, Random random) {
    this(seeds, random, System::nanoTime);
  }

  CoordinatorEndpoints(List<String> seeds, Random random, LongSupplier nanoTime) {
    this.random = random;
    this.nanoTime = nanoTime;
    if (seeds.isEmpty()) {
      throw new IllegalArgumentException("at least one coordinator is needed");
    }
    for (String s : seeds) {
      validate(s);
    }
    this.seeds = List.copyOf(seeds);
    this.current = othersShuffled(this.seeds);
  }

  /** Parses "host:port[,host:port...]". */
  public static CoordinatorEndpoints parse(String commaSeparated) {
    List<String> list = new ArrayList<>();
    for (String part : commaSeparated.split(",")) {
      String p = part.trim();
      if (!p.isEmpty()) {
        list.add(p);
      }
    }
    return new CoordinatorEndpoints(list);
  }

  /**
   * The endpoint to try next; rotates through the list, passing over coordinators found
   * unreachable lately while another is not. After a coordinator dies, its agents that a busy
   * survivor turns away would otherwise dial the dead one every other attempt (1,094 of one fleet
   * JVM's 2,857 attempts in run AS's reconnect were refused connections), each attempt a new channel and a longer
   * backoff.
   */
  public synchronized String next() {
    long now = nanoTime.getAsLong();
    unreachableUntil.values().removeIf(until -> until - now <= 0);
    int size = current.size();
    int pick = next % size;
    for (int i = 0; i < size; i++) {
      int at = (next + i) % size;
      if (!unreachableUntil.containsKey(current.get(at))) {
        pick = at;
        break;
      }
    }
    next = (pick + 1) % size;
    return current.get(pick);
  }

  /** Nothing listened at this coordinator (connection refused): pass it over for a while. */
  public synchronized void unreachable(String endpoint) {
    unreachableUntil.put(endpoint, nanoTime.getAsLong() + UNREACHABLE_NANOS);
  }

  /**
   * Takes the coordinators a JoinResponse listed (the sender first); invalid entries are ignored.
   * The same coordinators listed again keep this agent's order.
   */
  public synchronized void refresh(List<String> fromCluster) {
    Set<String> merged = new LinkedHashSet<>();
    for (String s : fromCluster) {
      try {
        merged.add(validate(s.trim()));
      } catch (IllegalArgumentException e) {
        // a bad entry from the cluster must not stop us from using the good ones
      }
    }
    merged.addAll(seeds);
    if (merged.equals(new LinkedHashSet<>(current))) {
      return;
    }
    current = othersShuffled(merged);
    next = 0;
  }

  /** The first as it is, the others in this agent's order. */
  private List<String> othersShuffled(Collection<String> endpoints) {
    List<String> ordered = new ArrayList<>(endpoints);
    Collections.shuffle(ordered.subList(1, ordered.size()), random);
    return List.copyOf(ordered);
  }

  /** The agent left this coordinator, or could not join it: the others are tried first. */
  public synchronized void tryOthersFirst(String endpoint) {
    List<String> reordered = new ArrayList<>(current);
    if (reordered.remove(endpoint)) {
      reordered.add(endpoint);
      current = List.copyOf(reordered);
      next = 0;
    }
  }

  public synchronized List<String> all() {
    return current;
  }

  /** Checks "host:port" (IPv6 as "[::1]:7070"); returns it unchanged. */
  static String validate(String endpoint) {
    int colon = endpoint.lastIndexOf(':');
    if (colon <= 0 || colon == endpoint.length() - 1) {
      throw new IllegalArgumentException("coordinator '" + endpoint + "' is not HOST:PORT");
    }
    String host = endpoint.substring(0, colon);
    if (host.contains(":") && !(host.startsWith("[") && host.endsWith("]"))) {
      throw new IllegalArgumentException("coordinator '" + endpoint
          + "': write an IPv6 address in brackets, e.g. [::1]:7070");
    }
    int port;
    try {
      port = Integer.parseInt(endpoint.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("coordinator '" + endpoint + "' has no numeric port");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("coordinator '" + endpoint + "': port out of range");
    }
    return endpoint;
  }
}
