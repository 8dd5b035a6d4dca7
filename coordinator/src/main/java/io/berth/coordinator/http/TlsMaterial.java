package io.berth.coordinator.http;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * What the HTTP server needs to speak TLS: this coordinator's key and certificate chain (leaf
 * first, valid for the addresses clients dial), and the cluster CA certificate clients pin,
 * served as {@code /ca.crt}. Whoever owns the cluster CA provides it; the server only reads it.
 */
public interface TlsMaterial {
  PrivateKey privateKey();

  List<X509Certificate> chain();

  /**
   * The CA certificate exactly as served at {@code /ca.crt}: the join token's hash is the
   * sha256 of these bytes, which install.sh checks before it trusts anything else.
   */
  String caCertificatePem();
}
