package io.berth.agent.session;

import io.berth.proto.AgentMessage;
import io.grpc.stub.StreamObserver;

/**
 * The sending half of one open Session stream. gRPC's StreamObserver is not thread-safe; the
 * reconcile thread (reports), the heartbeat timer and log readers all send, so sends are
 * serialized here. After the stream ended, sends are dropped: the next Hello carries the state.
 */
final class SessionStream {

  private final StreamObserver<AgentMessage> out;
  private boolean closed;

  SessionStream(StreamObserver<AgentMessage> out) {
    this.out = out;
  }

  /** @return false when the stream is closed or the send failed */
  synchronized boolean send(AgentMessage message) {
    if (closed) {
      return false;
    }
    try {
      out.onNext(message);
      return true;
    } catch (RuntimeException e) {
      // the call was cancelled under us; the receive side reports why
      closed = true;
      return false;
    }
  }

  /** Half-closes politely; safe to call more than once. */
  synchronized void close(Throwable cause) {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if (cause == null) {
        out.onCompleted();
      } else {
        out.onError(cause);
      }
    } catch (RuntimeException e) {
      // already gone
    }
  }
}
