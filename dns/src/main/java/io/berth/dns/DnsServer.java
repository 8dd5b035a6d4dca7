package io.berth.dns;

import io.netty.bootstrap.AbstractBootstrap;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An authoritative DNS server on one port, UDP and TCP, answering from whatever snapshot its
 * {@link ZoneView} holds at the moment of each query.
 */
public final class DnsServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DnsServer.class);
  private static final int BIND_ATTEMPTS = 5;
  private static final int MAX_TCP_MESSAGE = 65_535;
  // A query is small; a slot this size holds any sane one. Larger datagrams arrive cut, so FORMERR.
  private static final int DATAGRAM_SLOT = 2048;
  // recvmmsg(2) reads up to this many datagrams per system call (epoll only).
  private static final int DATAGRAMS_PER_READ = 16;

  private final EventLoops loops;
  private final Channel tcp;
  private final List<Channel> udp;
  private final int port;
  private final ZoneNotifier notifier; // null: no secondaries to tell

  private DnsServer(
      EventLoops loops, Channel tcp, List<Channel> udp, int port, ZoneNotifier notifier) {
    this.loops = loops;
    this.tcp = tcp;
    this.udp = udp;
    this.port = port;
    this.notifier = notifier;
  }

  /** With {@link DnsServerOptions#defaults()}: no forwarding, out-of-zone names are REFUSED. */
  public static DnsServer start(InetSocketAddress bind, ZoneView view) throws InterruptedException {
    return start(bind, view, DnsServerOptions.defaults());
  }

  /**
   * Binds TCP, then UDP on the port TCP got. With port 0 the ephemeral port TCP drew may be taken
   * for UDP by someone else, so then we draw again a few times.
   */
  public static DnsServer start(InetSocketAddress bind, ZoneView view, DnsServerOptions options)
      throws InterruptedException {
    Forwarder forwarder =
        options.forwarding() == null ? null : Forwarder.create(options.forwarding());
    Authority authority = new Authority(view, forwarder, options.zoneTransfers());
    // A thread per UDP socket: sockets sharing a thread would share its one core.
    int threads = Math.max(Runtime.getRuntime().availableProcessors(), options.udpSockets());
    EventLoops loops = EventLoops.create(threads);
    try {
      for (int attempt = 1; ; attempt++) {
        Channel tcp = bindOrThrow(tcpBootstrap(loops, authority, options), bind, "TCP");
        int port = ((InetSocketAddress) tcp.localAddress()).getPort();
        InetSocketAddress udpAddress = new InetSocketAddress(bind.getAddress(), port);
        if (options.forwarding() != null) {
          options.forwarding().requireNotSelf(udpAddress);
        }
        List<Channel> udp = new ArrayList<>();
        int sockets = loops.epoll ? options.udpSockets() : 1;
        Throwable failure =
            bindUdp(udpBootstrap(loops, authority, options), udpAddress, sockets, udp);
        if (failure == null) {
          String kind = loops.epoll ? "epoll" : "nio";
          log.info("DNS serving on {} (UDP x{} + TCP, {})", udpAddress, sockets, kind);
          ZoneNotifier notifier = null;
          if (!options.notifyTargets().isEmpty()) {
            notifier = new ZoneNotifier(view, options.notifyTargets(), udp.get(0));
            notifier.start();
          }
          return new DnsServer(loops, tcp, udp, port, notifier);
        }
        tcp.close().await();
        if (bind.getPort() != 0 || attempt == BIND_ATTEMPTS) {
          throw new IllegalStateException(
              "cannot bind DNS UDP on " + udpAddress + " (TCP bound fine): " + failure, failure);
        }
      }
    } catch (RuntimeException | InterruptedException e) {
      loops.close();
      throw e;
    }
  }

  public int port() {
    return port;
  }

  @Override
  public void close() {
    if (notifier != null) {
      notifier.stop();
    }
    for (Channel channel : udp) {
      channel.close().syncUninterruptibly();
    }
    tcp.close().syncUninterruptibly();
    loops.close();
  }

  /** Binds count sockets on one address; on failure closes those bound and returns why. */
  private static Throwable bindUdp(
      Bootstrap bootstrap, InetSocketAddress address, int count, List<Channel> bound)
      throws InterruptedException {
    for (int i = 0; i < count; i++) {
      ChannelFuture future = bootstrap.bind(address).await();
      if (!future.isSuccess()) {
        for (Channel channel : bound) {
          channel.close().await();
        }
        bound.clear();
        return future.cause();
      }
      bound.add(future.channel());
    }
    return null;
  }

  private static Channel bindOrThrow(
      AbstractBootstrap<?, ?> bootstrap, InetSocketAddress bind, String what)
      throws InterruptedException {
    ChannelFuture bound = bootstrap.bind(bind).await();
    if (!bound.isSuccess()) {
      throw new IllegalStateException(
          "cannot bind DNS " + what + " on " + bind + ": " + bound.cause()
              + " (is another DNS server on that port, or is it below 1024 without privilege?)",
          bound.cause());
    }
    return bound.channel();
  }

  private static ServerBootstrap tcpBootstrap(
      EventLoops loops, Authority authority, DnsServerOptions options) {
    TcpQueryHandler handler = new TcpQueryHandler(authority);
    LengthFieldPrepender prefix = new LengthFieldPrepender(2);
    long idleMillis = options.tcpIdleTimeout().toMillis();
    return new ServerBootstrap()
        .group(loops.acceptor, loops.workers)
        .channel(loops.serverChannel)
        .option(ChannelOption.SO_REUSEADDR, true)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(
            new ChannelInitializer<SocketChannel>() {
              @Override
              protected void initChannel(SocketChannel ch) {
                ch.pipeline()
                    .addLast(new IdleStateHandler(0, 0, idleMillis, TimeUnit.MILLISECONDS))
                    .addLast(new LengthFieldBasedFrameDecoder(MAX_TCP_MESSAGE + 2, 0, 2, 0, 2))
                    .addLast(prefix)
                    .addLast(handler);
              }
            });
  }

  private static Bootstrap udpBootstrap(
      EventLoops loops, Authority authority, DnsServerOptions options) {
    Bootstrap bootstrap =
        new Bootstrap()
            .group(loops.workers)
            .channel(loops.datagramChannel)
            .option(ChannelOption.SO_RCVBUF, options.socketBufferBytes())
            .option(ChannelOption.SO_SNDBUF, options.socketBufferBytes())
            .handler(
                new ChannelInitializer<DatagramChannel>() {
                  @Override
                  protected void initChannel(DatagramChannel ch) {
                    // A handler per socket: each owns the buffers its event loop reuses.
                    ch.pipeline().addLast(new UdpQueryHandler(authority, DATAGRAM_SLOT));
                  }
                });
    if (loops.epoll) {
      // Several sockets on one port, the kernel spreading datagrams; and batched reads.
      bootstrap
          .option(EpollChannelOption.SO_REUSEPORT, true)
          .option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, DATAGRAM_SLOT)
          .option(
              ChannelOption.RCVBUF_ALLOCATOR,
              new FixedRecvByteBufAllocator(DATAGRAM_SLOT * DATAGRAMS_PER_READ));
    }
    return bootstrap;
  }
}
