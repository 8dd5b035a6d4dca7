package io.berth.coordinator.security;

import io.grpc.netty.shaded.io.grpc.netty.GrpcHttp2ConnectionHandler;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiator;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandler;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslHandler;
import io.grpc.netty.shaded.io.netty.util.AsciiString;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs at most {@code limit} TLS handshakes at once on the gRPC server and closes connections
 * beyond that as soon as they are accepted; their agents back off with jitter and come again.
 *
 * <p>Why: a handshake costs the coordinator a few milliseconds of CPU. When ten thousand agents
 * connect in the same second (a fleet rolled out, every agent restarted), handshakes that all
 * progress at once all finish late, past the 10 s handshake timeout of both ends, and are begun
 * again: no agent gets in. Admitting a bounded number keeps each handshake short, so the
 * coordinator completes them at the rate its CPU allows, and a refusal costs only a TCP accept.
 */
public final class HandshakeAdmission implements InternalProtocolNegotiator.ProtocolNegotiator {
  /** About 0.2 s of one core's handshake work: short enough to stay far from any timeout. */
  public static final int DEFAULT_LIMIT = 64;

  private static final Logger log = LoggerFactory.getLogger(HandshakeAdmission.class);
  private static final long LOG_EVERY_NANOS = 10_000_000_000L;

  private final InternalProtocolNegotiator.ProtocolNegotiator tls;
  private final int limit;
  private final Semaphore slots;
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong refusedSinceLog = new AtomicLong();
  private final AtomicLong lastLog = new AtomicLong(System.nanoTime() - LOG_EVERY_NANOS);

  public HandshakeAdmission(InternalProtocolNegotiator.ProtocolNegotiator tls, int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("the handshake limit must be at least 1, not " + limit);
    }
    this.tls = tls;
    this.limit = limit;
    this.slots = new Semaphore(limit);
  }

  /** Connections closed so far because {@code limit} handshakes were already running. */
  public long refused() {
    return refused.get();
  }

  /** Handshakes running now. */
  public int inProgress() {
    return limit - slots.availablePermits();
  }

  @Override
  public AsciiString scheme() {
    return tls.scheme();
  }

  @Override
  public ChannelHandler newHandler(GrpcHttp2ConnectionHandler grpcHandler) {
    return new Gate(tls.newHandler(grpcHandler));
  }

  @Override
  public void close() {
    tls.close();
  }

  /**
   * Stands in front of the TLS handler: admits the connection or closes it, and steps aside once
   * the handshake it admitted is under way.
   */
  private final class Gate extends ChannelInboundHandlerAdapter {
    private final ChannelHandler tlsHandler;

    Gate(ChannelHandler tlsHandler) {
      this.tlsHandler = tlsHandler;
    }

    private Runnable release;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      if (!slots.tryAcquire()) {
        refused.incrementAndGet();
        logRefusals();
        ctx.close();
        return;
      }
      AtomicBoolean released = new AtomicBoolean();
      release = () -> {
        if (released.compareAndSet(false, true)) {
          slots.release();
        }
      };
      // A closed connection frees its slot whatever stage it reached.
      ctx.channel().closeFuture().addListener(f -> release.run());
      // gRPC's TLS handler adds its SslHandler (after this gate) once the channel is active.
      ctx.pipeline().addAfter(ctx.name(), null, tlsHandler);
    }

    /** The client's first bytes: the SslHandler is in place; its handshake's end frees the slot. */
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      SslHandler ssl = ctx.pipeline().get(SslHandler.class);
      if (ssl != null && release != null) {
        Runnable r = release;
        ssl.handshakeFuture().addListener(f -> r.run());
        ctx.pipeline().remove(this);
      }
      ctx.fireChannelRead(msg);
    }

    private void logRefusals() {
      refusedSinceLog.incrementAndGet();
      long now = System.nanoTime();
      long last = lastLog.get();
      if (now - last >= LOG_EVERY_NANOS && lastLog.compareAndSet(last, now)) {
        log.info("closed {} connections at accept: {} TLS handshakes were already running "
            + "(their agents back off and retry)", refusedSinceLog.getAndSet(0), limit);
      }
    }
  }
}
