package io.berth.dns;

import java.net.InetAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.Message;

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
  private final Responder responder = new Responder();

  Authority(ZoneView view, Forwarder forwarder) {
    this.view = view;
    this.forwarder = forwarder;
  }

  /** The reply now, or null: nothing to send, or it goes to {@code later} once upstream answers. */
  byte[] reply(byte[] query, Transport transport, InetAddress client, Later later) {
    try {
      ZoneSnapshot zone = view.current();
      byte[] quick = WireResponder.tryRespond(query, transport, zone, forwarder != null);
      if (quick != null) {
        return quick;
      }
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
      return Responder.render(responder.answer(parsed, zone), parsed, transport);
    } catch (RuntimeException e) {
      // A bug or a bad snapshot: tell the client we failed rather than leave it waiting.
      logFailure(query, transport, e);
      return BareReply.servFail(query);
    }
  }

  private static Void logFailure(byte[] query, Transport transport, Throwable e) {
    log.warn("answering a {}-byte {} query failed", query.length, transport, e);
    return null;
  }
}
