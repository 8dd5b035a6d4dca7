package io.berth.tls;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * What one side of a mutual TLS connection holds: its private key, its certificate chain (its own
 * certificate first, the cluster CA last) and the cluster CA it trusts.
 */
public record TlsMaterial(PrivateKey key, List<X509Certificate> chain, X509Certificate ca) {
  public TlsMaterial {
    chain = List.copyOf(chain);
    if (chain.isEmpty()) {
      throw new IllegalArgumentException("a certificate chain needs at least the holder's certificate");
    }
  }

  public X509Certificate certificate() {
    return chain.get(0);
  }

  /** The holder's identity as its certificate states it. */
  public PeerIdentity identity() {
    return PeerIdentity.of(certificate());
  }

  /** Hides the key: records print their fields, and keys must never reach a log. */
  @Override
  public String toString() {
    return "TlsMaterial[" + certificate().getSubjectX500Principal().getName() + ", key hidden]";
  }
}
