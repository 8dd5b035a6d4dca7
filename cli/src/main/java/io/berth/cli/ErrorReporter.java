package io.berth.cli;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/** Turns failures into one clear line on stderr and an exit code, not a stack trace. */
final class ErrorReporter implements IExecutionExceptionHandler {
  static final int BAD_INPUT = 2;
  static final int UNAVAILABLE = 3;
  static final int FAILED = 1;

  @Override
  public int handleExecutionException(Exception e, CommandLine cmd, ParseResult parsed) {
    if (e instanceof StatusRuntimeException s) {
      Status st = s.getStatus();
      String what = st.getDescription() == null ? st.getCode().toString() : st.getDescription();
      switch (st.getCode()) {
        case UNAVAILABLE, DEADLINE_EXCEEDED -> {
          if (tlsFailure(s)) {
            System.err.println("berth: the TLS handshake with " + ControlClient.lastTarget() + " failed (" + what
                + "): the admin credential is probably for another cluster, or the address is not the coordinator's");
            return UNAVAILABLE;
          }
          System.err.println("berth: cannot reach the coordinator at " + ControlClient.lastTarget()
              + " (" + what + "): is it running? Set --coordinator or BERTH_COORDINATOR.");
          return UNAVAILABLE;
        }
        case INVALID_ARGUMENT -> {
          System.err.println("berth: rejected: " + what.replace("; ", "\n  "));
          return BAD_INPUT;
        }
        default -> {
          System.err.println("berth: " + what);
          return FAILED;
        }
      }
    }
    if (e instanceof UserError) {
      System.err.println("berth: " + e.getMessage());
      return BAD_INPUT;
    }
    System.err.println("berth: " + e);
    return FAILED;
  }

  private static boolean tlsFailure(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof javax.net.ssl.SSLException || t instanceof java.security.cert.CertificateException) {
        return true;
      }
    }
    return false;
  }

  /** A mistake the user can fix, said plainly. */
  static final class UserError extends RuntimeException {
    UserError(String message) {
      super(message);
    }
  }
}
