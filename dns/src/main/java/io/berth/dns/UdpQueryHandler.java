package io.berth.dns;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One datagram, one answer, sent back to where it came from. One handler per UDP socket (so per
 * event loop): it owns a query array it reuses, so the common query costs no garbage of ours
 * beyond the reply's envelope; the reply goes straight into a pooled direct buffer.
 */
final class UdpQueryHandler extends SimpleChannelInboundHandler<DatagramPacket> {
  private static final Logger log = LoggerFactory.getLogger(UdpQueryHandler.class);
  /** Most replies fit; a larger one makes the pooled buffer grow. */
  private static final int REPLY_GUESS = 512;

  private final Authority authority;
  private final byte[] query;

  /** @param largestQuery the largest datagram the socket delivers whole; larger ones are copied */
  UdpQueryHandler(Authority authority, int largestQuery) {
    this.authority = authority;
    this.query = new byte[largestQuery];
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
    InetSocketAddress sender = packet.sender();
    ByteBuf content = packet.content();
    int length = content.readableBytes();
    byte[] q = length <= query.length ? query : new byte[length];
    content.getBytes(content.readerIndex(), q, 0, length);
    ByteBuf out = ctx.alloc().ioBuffer(REPLY_GUESS);
    if (authority.replyAtOnce(q, length, Transport.UDP, out)) {
      send(ctx, out, sender);
      return;
    }
    out.release();
    byte[] reply =
        authority.reply(
            Arrays.copyOf(q, length),
            Transport.UDP,
            sender.getAddress(),
            later -> ctx.writeAndFlush(new DatagramPacket(direct(ctx, later), sender)));
    if (reply != null) {
      send(ctx, direct(ctx, reply), sender);
    }
  }

  private static void send(ChannelHandlerContext ctx, ByteBuf reply, InetSocketAddress recipient) {
    // The void promise: nobody waits on a datagram's fate, and a promise per reply is garbage.
    ctx.write(new DatagramPacket(reply, recipient), ctx.voidPromise());
  }

  /** Into a pooled direct buffer: the socket would copy a heap one there anyway. */
  private static ByteBuf direct(ChannelHandlerContext ctx, byte[] reply) {
    return ctx.alloc().ioBuffer(reply.length).writeBytes(reply);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    // One sendmmsg per read burst. A burst is one recvmmsg of at most 16 datagrams (Netty counts
    // each datagram against maxMessagesPerRead, 16), so no reply waits behind more than 15 others.
    ctx.flush();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // Never close: this channel is (a share of) the whole UDP service; ICMP errors land here.
    log.debug("UDP channel error on {}", ctx.channel().localAddress(), cause);
  }
}
