package io.berth.dns;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One datagram, one answer, sent back to where it came from. */
@ChannelHandler.Sharable
final class UdpQueryHandler extends SimpleChannelInboundHandler<DatagramPacket> {
  private static final Logger log = LoggerFactory.getLogger(UdpQueryHandler.class);

  private final Authority authority;

  UdpQueryHandler(Authority authority) {
    this.authority = authority;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
    InetSocketAddress sender = packet.sender();
    byte[] reply =
        authority.reply(
            ByteBufUtil.getBytes(packet.content()),
            Transport.UDP,
            sender.getAddress(),
            later -> ctx.writeAndFlush(datagram(ctx, later, sender)));
    if (reply != null) {
      ctx.write(datagram(ctx, reply, sender));
    }
  }

  /** Straight into a pooled direct buffer: the socket would copy a heap one there anyway. */
  private static DatagramPacket datagram(
      ChannelHandlerContext ctx, byte[] reply, InetSocketAddress recipient) {
    return new DatagramPacket(ctx.alloc().ioBuffer(reply.length).writeBytes(reply), recipient);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    ctx.flush(); // one syscall batch per read burst, not per reply
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // Never close: this channel is (a share of) the whole UDP service; ICMP errors land here.
    log.debug("UDP channel error on {}", ctx.channel().localAddress(), cause);
  }
}
