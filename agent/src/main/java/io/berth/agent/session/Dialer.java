package io.berth.agent.session;

import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannelBuilder;
import io.grpc.okhttp.OkHttpChannelBuilder;

/** How the agent opens a gRPC channel to a coordinator (the session, enrolment, renewal). */
@FunctionalInterface
public interface Dialer {

  ManagedChannelBuilder<?> channel(String target, ChannelCredentials credentials);

  /**
   * The agent process's transport: gRPC over OkHttp and the JDK's TLS. An agent holds one
   * connection, so a blocking reader thread costs less than Netty's event loops, pooled direct
   * buffers and ~930 classes (docs/BENCHMARKS.md, agent memory). Many agents in one JVM (the
   * hollow fleet of the benchmarks) should pass a Netty dialer instead.
   */
  static Dialer okHttp() {
    return OkHttpChannelBuilder::forTarget;
  }
}
