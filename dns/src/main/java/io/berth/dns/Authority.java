package io.berth.dns;

import io.netty.buffer.ByteBuf;
import java.net.InetAddress;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/**
 * What the sockets call: a wire query in, a wire reply out, from the view's current snapshot, or
 * later for a forwarded query. It never throws, so one bad packet cannot take a channel or an event
 * loop down.
 */
final class Authority {
  private static final Logger log = LoggerFactory.getLogger(Authority.class);

  /** Where a reply that is not ready at once (a forwarded query) is sent when it is. */
  interface Later {
    void send(byte[] reply);
  }

  private final ZoneView view;
  private final Forwarder forwarder; // null: out-of-zone names are REFUSED
  private final ClientNetworks secondaries; // who may transfer our zones
  private final Responder responder = new Responder();

  Authority(ZoneView view, Forwarder forwarder, ClientNetworks secondaries) {
    this.view = view;
    this.forwarder = forwarder;
    this.secondaries = secondaries;
  }

  /**
   * Answers the common query (see {@link WireResponder}) into {@code out} with no allocation and
   * returns true; false, with nothing written, leaves it to {@link #reply}.
   */
  boolean replyAtOnce(byte[] query, int length, Transport transport, ByteBuf out) {
    int start = out.writerIndex();
    try {
      return WireResponder.tryRespond(
          query, length, transport, view.current(), forwarder != null, out);
    } catch (RuntimeException e) {
      out.writerIndex(start); // the full path answers it, or says SERVFAIL
      return false;
    }
  }

  /**
   * The full path, for a query {@link #replyAtOnce} declined: the reply now, or null: nothing to
   * send, or it goes to {@code later} once upstream answers.
   */
  byte[] reply(byte[] query, Transport transport, InetAddress client, Later later) {
    try {
      ZoneSnapshot zone = view.current();
      Message parsed = Responder.parse(query);
      if (parsed == null) {
        return BareReply.formErr(query);
      }
      if (forwarder != null && forwarder.takes(parsed, client, zone)) {
        forwarder
            .forward(parsed)
            .thenAccept(reply -> later.send(Responder.render(reply, parsed, transport)))
            .exceptionally(e -> logFailure(query, transport, e));
        return null;
      }
      if (isTransfer(parsed, transport, client)) {
        List<byte[]> messages = ZoneTransfer.messages(parsed, zone);
        if (messages != null) {
          messages.forEach(later::send);
          return null;
        }
      }
      return Responder.render(responder.answer(parsed, zone), parsed, transport);
    } catch (RuntimeException e) {
      // A bug or a bad snapshot: tell the client we failed rather than leave it waiting.
      logFailure(query, transport, e);
      return BareReply.servFail(query);
    }
  }

  /** Zone transfers: over TCP only (a zone does not fit a datagram), to allowed secondaries. */
  private boolean isTransfer(Message query, Transport transport, InetAddress client) {
    Record question = query.getQuestion();
    return transport == Transport.TCP
        && question != null
        && (question.getType() == Type.AXFR || question.getType() == Type.IXFR)
        && !query.getHeader().getFlag(Flags.QR)
        && query.getHeader().getOpcode() == Opcode.QUERY
        && secondaries.contains(client);
  }

  private static Void logFailure(byte[] query, Transport transport, Throwable e) {
    log.warn("answering a {}-byte {} query failed", query.length, transport, e);
    return null;
  }
}
