package io.berth.dns;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
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
            later -> ctx.writeAndFlush(datagram(later, sender)));
    if (reply != null) {
      ctx.write(datagram(reply, sender));
    }
  }

  private static DatagramPacket datagram(byte[] reply, InetSocketAddress recipient) {
    return new DatagramPacket(Unpooled.wrappedBuffer(reply), recipient);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    ctx.flush(); // one syscall batch per read burst, not per reply
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // Never close: this one channel is the whole UDP service (e.g. ICMP port unreachable lands here).
    log.debug("UDP channel error on {}", ctx.channel().localAddress(), cause);
  }
}
