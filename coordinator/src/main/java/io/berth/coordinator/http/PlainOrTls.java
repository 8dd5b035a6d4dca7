package io.berth.coordinator.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first handler of every connection: one port serves plain HTTP (so `curl http://.../install.sh`
 * works before the client trusts anything) and HTTPS (the bundle, fetched with the pinned CA).
 * It looks at the first bytes once: a TLS record header means a ClientHello, so TLS goes first in
 * the pipeline; anything else is plain HTTP. Then it steps aside.
 */
final class PlainOrTls extends ByteToMessageDecoder {
  private static final Logger LOG = LoggerFactory.getLogger(PlainOrTls.class);
  // A TLS record header is 5 bytes; no HTTP request line is shorter.
  private static final int SNIFF_BYTES = 5;

  private final Supplier<SslContext> tls;
  private final Consumer<ChannelHandlerContext> addHttp;

  /**
   * @param tls the server's TLS context, or null while there is none
   * @param addHttp adds the HTTP handlers at the end of the pipeline
   */
  PlainOrTls(Supplier<SslContext> tls, Consumer<ChannelHandlerContext> addHttp) {
    this.tls = tls;
    this.addHttp = addHttp;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (in.readableBytes() < SNIFF_BYTES) {
      return;
    }
    if (SslHandler.isEncrypted(in)) {
      SslContext context = tls.get();
      if (context == null) {
        LOG.info("http: TLS from {} refused: this coordinator has no certificate yet", ctx.channel().remoteAddress());
        in.skipBytes(in.readableBytes());
        ctx.close();
        return;
      }
      ctx.pipeline().addAfter(ctx.name(), "tls", context.newHandler(ctx.alloc()));
    }
    addHttp.accept(ctx);
    // Hands what was read so far on to the handlers just added.
    ctx.pipeline().remove(this);
  }
}
