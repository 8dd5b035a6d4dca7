package io.berth.coordinator.security;

import io.berth.tls.PeerIdentity;
import io.grpc.Context;
import java.util.Optional;

/** Who made the current gRPC call, as its verified client certificate says (set by {@link CallAuthorizer}). */
public final class CallerIdentity {
  static final Context.Key<PeerIdentity> KEY = Context.key("berth-caller");

  private CallerIdentity() {}

  /** Empty for the calls that need no certificate (enrolment) and on servers without TLS. */
  public static Optional<PeerIdentity> current() {
    return Optional.ofNullable(KEY.get());
  }
}
