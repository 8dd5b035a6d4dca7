package io.berth.coordinator.security;

import io.grpc.netty.shaded.io.grpc.netty.GrpcHttp2ConnectionHandler;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiator;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandler;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslHandler;
import io.grpc.netty.shaded.io.netty.util.AsciiString;
import io.grpc.netty.shaded.io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs at most {@code limit} TLS handshakes at once on the gRPC server. A connection beyond that
 * waits, unread, in a short queue for a free slot; past the queue's length or its wait it is
 * closed, and its agent backs off with jitter and comes again.
 *
 * <p>Why: a handshake costs the coordinator a few milliseconds of CPU. When ten thousand agents
 * connect in the same second (a fleet rolled out, every agent restarted), handshakes that all
 * progress at once all finish late, past the 10 s handshake timeout of both ends, and are begun
 * again: no agent gets in. Admitting a bounded number keeps each handshake short, so the
 * coordinator completes them at the rate its CPU allows. The queue spares agents that would be
 * admitted within a few seconds a new connection (closing and redialling costs both ends more
 * than waiting); its wait stays well inside the agents' 10 s handshake timeout.
 */
public final class HandshakeAdmission implements InternalProtocolNegotiator.ProtocolNegotiator {
  /** About 0.2 s of one core's handshake work: short enough to stay far from any timeout. */
  public static final int DEFAULT_LIMIT = 64;
  /** Connections that may wait for a slot. */
  public static final int DEFAULT_QUEUE = 512;
  /** How long one may wait: a third of the agents' 10 s handshake timeout. */
  public static final Duration DEFAULT_MAX_WAIT = Duration.ofSeconds(3);

  private static final Logger log = LoggerFactory.getLogger(HandshakeAdmission.class);
  private static final long LOG_EVERY_NANOS = 10_000_000_000L;

  private final InternalProtocolNegotiator.ProtocolNegotiator tls;
  private final int limit;
  private final int maxQueued;
  private final long maxWaitNanos;
  private final Semaphore slots;
  private final Queue<Waiting> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger queued = new AtomicInteger();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong refusedSinceLog = new AtomicLong();
  private final AtomicLong lastLog = new AtomicLong(System.nanoTime() - LOG_EVERY_NANOS);
  // Handshakes finished since the last log line, and their time from admission to finished: what a
  // slot is held for, so what the admission rate is (limit / that time).
  private final AtomicLong finishedSinceLog = new AtomicLong();
  private final AtomicLong finishedNanosSinceLog = new AtomicLong();

  public HandshakeAdmission(InternalProtocolNegotiator.ProtocolNegotiator tls, int limit,
      int maxQueued, Duration maxWait) {
    if (limit < 1 || maxQueued < 0) {
      throw new IllegalArgumentException("handshake limit " + limit + " and queue " + maxQueued
          + ": the limit must be at least 1 and the queue at least 0");
    }
    this.tls = tls;
    this.limit = limit;
    this.maxQueued = maxQueued;
    this.maxWaitNanos = maxWait.toNanos();
    this.slots = new Semaphore(limit);
  }

  /** Connections closed so far without a handshake: the queue was full or their wait ran out. */
  public long refused() {
    return refused.get();
  }

  /** Handshakes running now. */
  public int inProgress() {
    return limit - slots.availablePermits();
  }

  /** Connections waiting for a slot now. */
  public int waiting() {
    return queued.get();
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

  /** Hands free slots to waiting connections, oldest first. */
  private void drain() {
    while (!queue.isEmpty() && slots.tryAcquire()) {
      Waiting w = queue.poll();
      if (w == null || !w.claim()) {
        slots.release(); // gone (closed or timed out) before its turn
        continue;
      }
      queued.decrementAndGet();
      w.ctx.executor().execute(() -> w.gate.admit(w.ctx));
    }
  }

  private void refuse(ChannelHandlerContext ctx) {
    refused.incrementAndGet();
    refusedSinceLog.incrementAndGet();
    long now = System.nanoTime();
    long last = lastLog.get();
    if (now - last >= LOG_EVERY_NANOS && lastLog.compareAndSet(last, now)) {
      long finished = finishedSinceLog.getAndSet(0);
      long finishedNanos = finishedNanosSinceLog.getAndSet(0);
      log.info("closed {} connections without a handshake: {} TLS handshakes were running and {} "
          + "connections waiting (their agents back off and retry); {} handshakes finished in {} s, "
          + "{} ms each from admission", refusedSinceLog.getAndSet(0), limit, maxQueued, finished,
          (now - last) / 1_000_000_000L, finished == 0 ? 0 : finishedNanos / finished / 1_000_000);
    }
    ctx.close();
  }

  /** A connection waiting for a slot; whoever claims it first (a slot, its timeout, its close) decides. */
  private static final class Waiting {
    final ChannelHandlerContext ctx;
    final Gate gate;
    private final AtomicBoolean claimed = new AtomicBoolean();

    Waiting(ChannelHandlerContext ctx, Gate gate) {
      this.ctx = ctx;
      this.gate = gate;
    }

    boolean claim() {
      return claimed.compareAndSet(false, true);
    }
  }

  /**
   * Stands in front of the TLS handler: admits the connection, queues it, or closes it, and steps
   * aside once the handshake it admitted is under way.
   */
  private final class Gate extends ChannelInboundHandlerAdapter {
    /** Stands for channelActive among the signals held while waiting. */
    private static final Object ACTIVE = new Object();

    private final ChannelHandler tlsHandler;
    private Runnable release;
    // Event-loop confined: what reached the gate while the connection waited, in order. gRPC's
    // TLS handler needs them (channelActive, the protocol negotiation event) and was not there.
    private boolean waiting;
    private final java.util.List<Object> held = new java.util.ArrayList<>();
    private Waiting waitingEntry;

    Gate(ChannelHandler tlsHandler) {
      this.tlsHandler = tlsHandler;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      if (slots.tryAcquire()) {
        admit(ctx);
        return;
      }
      if (queued.incrementAndGet() > maxQueued) {
        queued.decrementAndGet();
        refuse(ctx);
        return;
      }
      // Unread until admitted: the client's hello waits in the socket buffer.
      waiting = true;
      ctx.channel().config().setAutoRead(false);
      Waiting w = new Waiting(ctx, this);
      waitingEntry = w;
      queue.add(w);
      ctx.executor().schedule(() -> refuseWhileWaiting(ctx), maxWaitNanos, TimeUnit.NANOSECONDS);
      ctx.channel().closeFuture().addListener(f -> {
        if (w.claim()) {
          queued.decrementAndGet();
        }
      });
      drain(); // a slot may have come free since tryAcquire
    }

    /** Closes the waiting connection, unless a slot, its close or its timeout claimed it first. */
    private void refuseWhileWaiting(ChannelHandlerContext ctx) {
      if (waitingEntry.claim()) {
        queued.decrementAndGet();
        refuse(ctx);
      }
    }

    private long admittedAtNanos;

    /** Holds a slot: puts the TLS handler in place and lets the client's bytes in. */
    void admit(ChannelHandlerContext ctx) {
      admittedAtNanos = System.nanoTime();
      AtomicBoolean released = new AtomicBoolean();
      release = () -> {
        if (released.compareAndSet(false, true)) {
          slots.release();
          drain();
        }
      };
      // A closed connection frees its slot whatever stage it reached.
      ctx.channel().closeFuture().addListener(f -> release.run());
      if (!ctx.channel().isOpen()) {
        return;
      }
      // gRPC's TLS handler adds its SslHandler (after this gate) once the channel is active.
      ctx.pipeline().addAfter(ctx.name(), null, tlsHandler);
      waiting = false;
      for (Object signal : held) {
        if (signal == ACTIVE) {
          ctx.fireChannelActive();
        } else {
          ctx.fireUserEventTriggered(signal);
        }
      }
      held.clear();
      ctx.channel().config().setAutoRead(true);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      if (waiting) {
        held.add(ACTIVE);
      } else {
        ctx.fireChannelActive();
      }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (waiting) {
        held.add(evt);
      } else {
        ctx.fireUserEventTriggered(evt);
      }
    }

    /**
     * The client's first bytes: the SslHandler is in place; its handshake's end frees the slot.
     * Bytes can reach a connection still waiting (turning reads off does not stop a read already
     * under way, and on a busy event loop the hello is often in one): it is closed as one the
     * queue could not keep, and its agent retries. Passed on, they reached gRPC before any TLS
     * handler and failed the connection anyway, with an error ("channelRead() missed by
     * ProtocolNegotiator handler": 320 of c0's connections in run AS's reconnect). Holding them
     * for the TLS handler on admission was tried (9d20d3d) and dropped: a slow join measured with
     * it turned out to come from the bench, so whether holding is better is not known.
     */
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (waiting) {
        ReferenceCountUtil.release(msg);
        refuseWhileWaiting(ctx);
        return;
      }
      SslHandler ssl = ctx.pipeline().get(SslHandler.class);
      if (ssl != null && release != null) {
        Runnable r = release;
        long admittedAt = admittedAtNanos;
        ssl.handshakeFuture().addListener(f -> {
          if (f.isSuccess()) {
            finishedSinceLog.incrementAndGet();
            finishedNanosSinceLog.addAndGet(System.nanoTime() - admittedAt);
          }
          r.run();
        });
        ctx.pipeline().remove(this);
      }
      ctx.fireChannelRead(msg);
    }
  }
}
