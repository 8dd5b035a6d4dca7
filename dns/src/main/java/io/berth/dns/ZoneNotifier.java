package io.berth.dns;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * Tells secondaries that a zone changed (RFC 1996 NOTIFY), so they transfer it now rather than at
 * the next SOA refresh. The view has no change events, so it watches the serial once a second.
 * Each change is announced once, without retries: a missed NOTIFY costs at most one refresh.
 */
final class ZoneNotifier {
  private static final long CHECK_EVERY_MILLIS = 1_000;

  private final ZoneView view;
  private final List<InetSocketAddress> secondaries;
  private final Channel udp;
  private long announced;
  private ScheduledFuture<?> task;

  ZoneNotifier(ZoneView view, List<InetSocketAddress> secondaries, Channel udp) {
    this.view = view;
    this.secondaries = secondaries;
    this.udp = udp;
    this.announced = view.current().serial(); // secondaries fetch the starting state themselves
  }

  void start() {
    task =
        udp.eventLoop()
            .scheduleWithFixedDelay(
                this::announceChange, CHECK_EVERY_MILLIS, CHECK_EVERY_MILLIS, TimeUnit.MILLISECONDS);
  }

  void stop() {
    if (task != null) {
      task.cancel(false);
    }
  }

  private void announceChange() {
    ZoneSnapshot snapshot = view.current();
    if (snapshot.serial() == announced) {
      return;
    }
    announced = snapshot.serial();
    for (Zone zone : snapshot.transferableZones()) {
      byte[] notify = notify(zone);
      for (InetSocketAddress secondary : secondaries) {
        udp.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(notify), secondary));
      }
    }
  }

  /** NOTIFY for one zone: its apex SOA as the question, the new SOA in the answer (a hint). */
  static byte[] notify(Zone zone) {
    Message m = new Message();
    m.getHeader().setOpcode(Opcode.NOTIFY);
    m.getHeader().setFlag(Flags.AA);
    m.addRecord(Record.newRecord(zone.apex, Type.SOA, DClass.IN), Section.QUESTION);
    m.addRecord(zone.soa, Section.ANSWER);
    return m.toWire();
  }
}
