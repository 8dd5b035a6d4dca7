package io.berth.tls;

import java.util.Locale;
import java.util.Optional;

/**
 * What a certificate lets its holder do; written as the subject's OU. Node certificates are
 * bound to one node name (the CN), the admin certificate drives the control API, member
 * certificates are the coordinators' own (server and coordinator-to-coordinator calls).
 */
public enum PeerRole {
  NODE,
  ADMIN,
  MEMBER;

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Optional<PeerRole> ofLabel(String label) {
    for (PeerRole r : values()) {
      if (r.label().equals(label)) {
        return Optional.of(r);
      }
    }
    return Optional.empty();
  }
}
