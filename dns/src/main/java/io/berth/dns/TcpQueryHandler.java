package io.berth.dns;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.timeout.IdleStateEvent;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers each length-framed query on a connection, in order (RFC 7766 pipelining;
 * forwarded ones may overtake, which 7766 allows: clients match replies by ID), and closes
 * connections that go idle so clients cannot hold sockets forever.
 */
@ChannelHandler.Sharable
final class TcpQueryHandler extends SimpleChannelInboundHandler<ByteBuf> {
  private static final Logger log = LoggerFactory.getLogger(TcpQueryHandler.class);

  private final Authority authority;

  TcpQueryHandler(Authority authority) {
    this.authority = authority;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
    byte[] query = ByteBufUtil.getBytes(frame);
    ByteBuf out = ctx.alloc().ioBuffer();
    if (authority.replyAtOnce(query, query.length, Transport.TCP, out)) {
      ctx.write(out);
      return;
    }
    out.release();
    InetSocketAddress client = (InetSocketAddress) ctx.channel().remoteAddress();
    byte[] reply =
        authority.reply(
            query,
            Transport.TCP,
            client.getAddress(),
            later -> ctx.writeAndFlush(Unpooled.wrappedBuffer(later)));
    if (reply != null) {
      ctx.write(Unpooled.wrappedBuffer(reply));
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    ctx.flush();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (event instanceof IdleStateEvent) {
      ctx.close();
    } else {
      ctx.fireUserEventTriggered(event);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // Bad framing or a reset: this connection is done, the server is not.
    log.debug("closing DNS TCP connection from {}", ctx.channel().remoteAddress(), cause);
    ctx.close();
  }
}
