package io.berth.dns;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * Asks upstream resolvers about names outside our zones, for allowed clients only, through a
 * small cache. dnsjava's resolvers do the upstream I/O: timeouts, and TCP on a truncated reply.
 */
final class Forwarder {
  private static final Logger log = LoggerFactory.getLogger(Forwarder.class);

  private final ClientNetworks clients;
  private final Resolver upstream;
  private final ForwardCache cache;

  Forwarder(ClientNetworks clients, Resolver upstream, ForwardCache cache) {
    this.clients = clients;
    this.upstream = upstream;
    this.cache = cache;
  }

  static Forwarder create(Forwarding policy) {
    List<Resolver> resolvers = new ArrayList<>();
    for (var address : policy.upstreams()) {
      SimpleResolver resolver = new SimpleResolver(address);
      resolver.setTimeout(policy.timeout());
      resolvers.add(resolver);
    }
    ExtendedResolver upstream = new ExtendedResolver(resolvers);
    upstream.setRetries(1);
    upstream.setTimeout(policy.timeout().multipliedBy(resolvers.size()));
    ForwardCache cache =
        new ForwardCache(policy.cacheEntries(), policy.maxCacheTtl().toSeconds(), System::nanoTime);
    return new Forwarder(policy.clients(), upstream, cache);
  }

  /**
   * Whether this query is ours to forward: a plain recursive question about a name no zone of ours
   * holds, from an allowed client. Everything else goes to the {@link Responder}.
   */
  boolean takes(Message query, InetAddress client, ZoneSnapshot zone) {
    Record question = query.getQuestion();
    return question != null
        && !query.getHeader().getFlag(Flags.QR)
        && query.getHeader().getOpcode() == Opcode.QUERY
        && query.getHeader().getFlag(Flags.RD)
        && query.getHeader().getCount(Section.QUESTION) == 1
        && (query.getOPT() == null || query.getOPT().getVersion() == 0) // else BADVERS, ours
        && question.getDClass() == DClass.IN
        && question.getType() != Type.AXFR
        && question.getType() != Type.IXFR
        && !zone.serves(question.getName())
        && clients.contains(client);
  }

  /** The client's reply; never fails: an upstream that does not answer becomes SERVFAIL. */
  CompletionStage<Message> forward(Message query) {
    Record question = query.getQuestion();
    ForwardCache.Hit hit = cache.get(question);
    if (hit != null) {
      return CompletableFuture.completedFuture(
          ForwardedReply.of(query, hit.reply(), hit.ageSeconds()));
    }
    Message ask = Message.newQuery(question);
    ask.getHeader().setFlag(Flags.RD);
    return upstream
        .sendAsync(ask, Runnable::run)
        .handle(
            (reply, failure) -> {
              if (failure != null) {
                log.debug("forwarding {} failed: {}", question, failure.toString());
                return ForwardedReply.serverFailure(query);
              }
              cache.put(question, reply);
              return ForwardedReply.of(query, reply, 0);
            });
  }
}
