package io.berth.dns;

/**
 * What the DNS server asks for answers. The server knows nothing of jobs or nodes: whoever embeds
 * it (the coordinator) keeps a {@link ZoneSnapshot} up to date and hands out the current one.
 * Called once per query, so it must be cheap (return a field, never build).
 */
@FunctionalInterface
public interface ZoneView {
  ZoneSnapshot current();
}
