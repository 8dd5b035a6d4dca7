package io.berth.dns;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.TimeUnit;

/** The threads and socket kinds the server runs on: native epoll on Linux, NIO elsewhere. */
final class EventLoops implements AutoCloseable {
  final boolean epoll;
  final EventLoopGroup acceptor;
  final EventLoopGroup workers;
  final Class<? extends ServerChannel> serverChannel;
  final Class<? extends DatagramChannel> datagramChannel;

  private EventLoops(int workerThreads) {
    this.epoll = Epoll.isAvailable();
    DefaultThreadFactory acceptThreads = new DefaultThreadFactory("berth-dns-accept", true);
    DefaultThreadFactory workThreads = new DefaultThreadFactory("berth-dns", true);
    if (epoll) {
      acceptor = new EpollEventLoopGroup(1, acceptThreads);
      workers = new EpollEventLoopGroup(workerThreads, workThreads);
      serverChannel = EpollServerSocketChannel.class;
      datagramChannel = EpollDatagramChannel.class;
    } else {
      acceptor = new NioEventLoopGroup(1, acceptThreads);
      workers = new NioEventLoopGroup(workerThreads, workThreads);
      serverChannel = NioServerSocketChannel.class;
      datagramChannel = NioDatagramChannel.class;
    }
  }

  static EventLoops create(int workerThreads) {
    return new EventLoops(workerThreads);
  }

  @Override
  public void close() {
    // No quiet period: a stopped server has nothing left worth finishing.
    acceptor.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
