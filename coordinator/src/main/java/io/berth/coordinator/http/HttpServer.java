package io.berth.coordinator.http;

import io.berth.tls.TlsMaterial;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator's HTTP(S) server (default port 7080): install.sh, the cluster CA, the agent
 * bundle, node readiness, health and counters. Plain HTTP and TLS share the port
 * ({@link PlainOrTls}); requests are small and bounded, connections idle for a minute are closed.
 */
public final class HttpServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HttpServer.class);
  private static final int MAX_INITIAL_LINE = 4096;
  private static final int MAX_HEADERS = 8192;
  private static final int MAX_BODY = 1024;
  private static final int IDLE_SECONDS = 60;

  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private Channel channel;
  private final Supplier<Optional<TlsMaterial>> tls;
  private final AtomicReference<Built> sslContext = new AtomicReference<>();

  /** The TLS context made from one version of the material (rebuilt when the material changes). */
  private record Built(TlsMaterial material, SslContext context) {}

  private HttpServer(InetSocketAddress address, Routes routes, RequestCounters counters,
      Supplier<Optional<TlsMaterial>> tls) throws InterruptedException {
    this.tls = tls;
    boss = new NioEventLoopGroup(1, new DefaultThreadFactory("berth-http-accept", true));
    workers = new NioEventLoopGroup(2, new DefaultThreadFactory("berth-http", true));
    ServerBootstrap b = new ServerBootstrap()
        .group(boss, workers)
        .channel(NioServerSocketChannel.class)
        .option(ChannelOption.SO_REUSEADDR, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast("idle", new IdleStateHandler(0, 0, IDLE_SECONDS, TimeUnit.SECONDS));
            ch.pipeline().addLast("close-idle", new CloseIdle());
            ch.pipeline().addLast("sniff", new PlainOrTls(HttpServer.this::sslContext, ctx -> addHttp(ctx.pipeline(), routes, counters)));
          }
        });
    try {
      channel = b.bind(address).sync().channel();
    } catch (Exception e) { // Netty rethrows the bind's checked exception as it is
      close();
      if (e instanceof InterruptedException interrupted) {
        throw interrupted;
      }
      if (e instanceof IOException io) {
        throw new UncheckedIOException("http: cannot listen on " + address + ": " + io.getMessage(), io);
      }
      throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
    }
    LOG.info("http: serving install.sh, /ca.crt and the agent bundle on {}", channel.localAddress());
  }

  public static HttpServer start(InetSocketAddress address, Routes routes, RequestCounters counters,
      Supplier<Optional<TlsMaterial>> tls) throws InterruptedException {
    return new HttpServer(address, routes, counters, tls);
  }

  private static void addHttp(ChannelPipeline p, Routes routes, RequestCounters counters) {
    p.addLast("http", new HttpServerCodec(MAX_INITIAL_LINE, MAX_HEADERS, MAX_HEADERS));
    p.addLast("aggregate", new HttpObjectAggregator(MAX_BODY));
    p.addLast("chunks", new ChunkedWriteHandler());
    p.addLast("requests", new RequestHandler(routes, counters));
  }

  /** The TLS context for the current material, or null when there is none (plain HTTP only). */
  private SslContext sslContext() {
    Optional<TlsMaterial> material = tls.get();
    if (material.isEmpty()) {
      return null;
    }
    Built built = sslContext.get();
    if (built != null && built.material() == material.get()) {
      return built.context();
    }
    TlsMaterial m = material.get();
    try {
      SslContext context = SslContextBuilder.forServer(m.key(), m.chain().toArray(X509Certificate[]::new)).build();
      sslContext.set(new Built(m, context));
      return context;
    } catch (SSLException e) {
      LOG.warn("http: cannot use this coordinator's certificate for TLS: {}", e.toString());
      return null;
    }
  }

  public int port() {
    return ((InetSocketAddress) channel.localAddress()).getPort();
  }

  @Override
  public void close() {
    if (channel != null) {
      channel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
    }
    boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }

  /** Closes a connection that neither sent nor received anything for a while. */
  private static final class CloseIdle extends ChannelDuplexHandler {
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
      if (evt instanceof IdleStateEvent) {
        ctx.close();
      } else {
        super.userEventTriggered(ctx, evt);
      }
    }
  }
}
