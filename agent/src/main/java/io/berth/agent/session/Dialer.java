package io.berth.agent.session;

import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannelBuilder;
import io.grpc.okhttp.OkHttpChannelBuilder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import javax.net.SocketFactory;

/** How the agent opens a gRPC channel to a coordinator (the session, enrolment, renewal). */
@FunctionalInterface
public interface Dialer {

  /**
   * How long the TCP connect alone may take. The session waits far longer for TLS on a busy
   * coordinator, but a host that does not answer SYNs at all should cost seconds, not minutes.
   */
  Duration TCP_CONNECT_TIMEOUT = Duration.ofSeconds(5);

  ManagedChannelBuilder<?> channel(String target, ChannelCredentials credentials);

  /**
   * The agent process's transport: gRPC over OkHttp and the JDK's TLS. An agent holds one
   * connection, so a blocking reader thread costs less than Netty's event loops, pooled direct
   * buffers and ~930 classes (docs/BENCHMARKS.md, agent memory). Many agents in one JVM (the
   * hollow fleet of the benchmarks) should pass a Netty dialer instead.
   */
  static Dialer okHttp() {
    return (target, credentials) -> OkHttpChannelBuilder.forTarget(target, credentials)
        .socketFactory(new BoundedConnectSockets(TCP_CONNECT_TIMEOUT));
  }

  /** OkHttp connects with {@code createSocket(address, port)}, which has no timeout of its own. */
  final class BoundedConnectSockets extends SocketFactory {
    private final int timeoutMillis;

    BoundedConnectSockets(Duration timeout) {
      this.timeoutMillis = (int) timeout.toMillis();
    }

    @Override
    public Socket createSocket() {
      return new Socket();
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
      return connect(new InetSocketAddress(host, port));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
      return connect(new InetSocketAddress(host, port));
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort)
        throws IOException {
      return connect(new InetSocketAddress(host, port), new InetSocketAddress(localHost, localPort));
    }

    @Override
    public Socket createSocket(InetAddress host, int port, InetAddress localHost, int localPort)
        throws IOException {
      return connect(new InetSocketAddress(host, port), new InetSocketAddress(localHost, localPort));
    }

    private Socket connect(InetSocketAddress address) throws IOException {
      return connect(address, null);
    }

    private Socket connect(InetSocketAddress address, InetSocketAddress local) throws IOException {
      Socket s = new Socket();
      try {
        if (local != null) {
          s.bind(local);
        }
        s.connect(address, timeoutMillis);
        return s;
      } catch (IOException e) {
        s.close();
        throw e;
      }
    }
  }
}
