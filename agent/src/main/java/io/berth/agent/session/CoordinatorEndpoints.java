package io.berth.agent.session;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The coordinators the agent may dial, tried in turn. Starts with the operator's list; every
 * JoinResponse puts the cluster's current coordinators first, keeping the operator's as a
 * fallback (the cluster's list may be stale after a membership change). Thread-safe.
 */
public final class CoordinatorEndpoints {

  private final List<String> seeds;
  private List<String> current;
  private int next;

  public CoordinatorEndpoints(List<String> seeds) {
    if (seeds.isEmpty()) {
      throw new IllegalArgumentException("at least one coordinator is needed");
    }
    for (String s : seeds) {
      validate(s);
    }
    this.seeds = List.copyOf(seeds);
    this.current = this.seeds;
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

  /** The endpoint to try next; rotates through the list. */
  public synchronized String next() {
    String endpoint = current.get(next % current.size());
    next = (next + 1) % current.size();
    return endpoint;
  }

  /** Takes the coordinators a JoinResponse listed; invalid entries are ignored. */
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
    List<String> updated = List.copyOf(merged);
    if (!updated.equals(current)) {
      current = updated;
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
