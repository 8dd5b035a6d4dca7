package io.berth.dns;

/** How a query arrived; it decides how large the reply may be. */
public enum Transport {
  /** Datagrams: 512 bytes, or what EDNS0 negotiates; larger replies are truncated with TC. */
  UDP,
  /** A stream with 2-byte length framing: any reply up to 65535 bytes fits. */
  TCP
}
