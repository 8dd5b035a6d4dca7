package io.berth.coordinator.security;

import io.berth.proto.AgentServiceGrpc;
import io.berth.proto.ControlServiceGrpc;
import io.berth.proto.MemberServiceGrpc;
import io.berth.tls.PeerRole;
import java.util.Set;

/**
 * Which certificate roles may call which gRPC method. Pure: {@link CallAuthorizer} applies it.
 * The two token-authorized enrolment calls need no certificate (the handler checks the token).
 */
public final class CallPolicy {
  private static final Set<String> TOKEN_AUTHORIZED = Set.of(
      AgentServiceGrpc.getEnrollMethod().getFullMethodName(),
      ControlServiceGrpc.getJoinClusterMethod().getFullMethodName());

  private CallPolicy() {}

  public static boolean tokenAuthorized(String fullMethod) {
    return TOKEN_AUTHORIZED.contains(fullMethod);
  }

  /** The roles allowed to call the method (empty: nobody with a certificate; unknown services). */
  public static Set<PeerRole> allowed(String fullMethod) {
    String service = serviceOf(fullMethod);
    if (service.equals(AgentServiceGrpc.SERVICE_NAME)) {
      return Set.of(PeerRole.NODE);
    }
    if (service.equals(ControlServiceGrpc.SERVICE_NAME)) {
      // Members hold the CA key anyway (they could mint an admin credential), so they may drive it too.
      return Set.of(PeerRole.ADMIN, PeerRole.MEMBER);
    }
    if (service.equals(MemberServiceGrpc.SERVICE_NAME)) {
      return Set.of(PeerRole.MEMBER);
    }
    return Set.of();
  }

  /** What to tell a caller without a certificate, by what it tried to use. */
  public static String missingCredential(String fullMethod) {
    if (serviceOf(fullMethod).equals(AgentServiceGrpc.SERVICE_NAME)) {
      return "no node certificate: enrol the agent first (`berth agent start --token BERTH1-...`); it keeps its "
          + "certificate in its --data-dir and uses it from then on";
    }
    return "no admin credential: this cluster only answers mutual TLS. Use the credential the bootstrap wrote "
        + "(~/.berth on that host: copy the directory, or point BERTH_CONFIG_DIR/--config-dir at it), or make one "
        + "on a coordinator host with `berth coordinator admin-credential --data-dir DIR --out DIR`";
  }

  public static String wrongRole(String fullMethod, String who) {
    if (serviceOf(fullMethod).equals(ControlServiceGrpc.SERVICE_NAME)) {
      return who + " may not use the control API: it needs the admin credential (~/.berth of the bootstrap host, "
          + "or `berth coordinator admin-credential`)";
    }
    if (serviceOf(fullMethod).equals(AgentServiceGrpc.SERVICE_NAME)) {
      return who + " may not use the agent API: only node certificates (made by enrolling an agent) may";
    }
    return who + " may not call " + fullMethod;
  }

  private static String serviceOf(String fullMethod) {
    int slash = fullMethod.indexOf('/');
    return slash < 0 ? fullMethod : fullMethod.substring(0, slash);
  }
}
