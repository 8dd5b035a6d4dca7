package io.berth.tls;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * A trust manager that remembers the chains it has accepted, so that a peer reconnecting with
 * the same certificate is not checked again: each check is an ECDSA verification in Java (about
 * 1.5 ms on this project's 2-core machine), and a coordinator that 3,000 agents reconnect to at
 * once after a failover would spend seconds of CPU re-proving what it already knows.
 *
 * <p>Only successes are remembered, keyed by everything the answer depends on: the side, the key
 * exchange type, the peer host and endpoint identification (hostname checks), and the exact bytes
 * of every certificate. Validity dates are re-checked on every hit, since time is the one input
 * that changes. Revocation is not the trust manager's job here (the call authorizer checks it on
 * every call), so remembering a chain cannot readmit a removed node.
 */
final class VerifiedChains extends X509ExtendedTrustManager {
  /** Enough for every node of a large cluster; past it the memory is dropped and rebuilt. */
  static final int CAPACITY = 65_536;

  private final X509ExtendedTrustManager delegate;
  private final Set<Key> accepted = ConcurrentHashMap.newKeySet();

  VerifiedChains(X509ExtendedTrustManager delegate) {
    this.delegate = delegate;
  }

  /** How many chains are remembered; for tests. */
  int size() {
    return accepted.size();
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    checkOnce('C', chain, authType, engine, () -> delegate.checkClientTrusted(chain, authType, engine));
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    checkOnce('S', chain, authType, engine, () -> delegate.checkServerTrusted(chain, authType, engine));
  }

  /** A check that throws when the chain is not trusted. */
  @FunctionalInterface
  private interface Check {
    void run() throws CertificateException;
  }

  private void checkOnce(char side, X509Certificate[] chain, String authType, SSLEngine engine,
      Check check) throws CertificateException {
    Key key = key(side, chain, authType, engine);
    if (!known(key, chain)) {
      check.run();
      remember(key);
    }
  }

  // Socket-based TLS (the agent process's OkHttp) holds one connection: not worth remembering.
  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    delegate.checkClientTrusted(chain, authType, socket);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    delegate.checkServerTrusted(chain, authType, socket);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    delegate.checkClientTrusted(chain, authType);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    delegate.checkServerTrusted(chain, authType);
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return delegate.getAcceptedIssuers();
  }

  private boolean known(Key key, X509Certificate[] chain) throws CertificateException {
    if (key == null || !accepted.contains(key)) {
      return false;
    }
    for (X509Certificate c : chain) {
      c.checkValidity();
    }
    return true;
  }

  private void remember(Key key) {
    if (key == null) {
      return;
    }
    if (accepted.size() >= CAPACITY) {
      accepted.clear();
    }
    accepted.add(key);
  }

  /** A digest of every input of the decision; null when the chain cannot be encoded. */
  private static Key key(char side, X509Certificate[] chain, String authType, SSLEngine engine) {
    if (chain == null || chain.length == 0) {
      return null;
    }
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      SSLParameters params = engine == null ? null : engine.getSSLParameters();
      String peerHost = engine == null ? null : engine.getPeerHost();
      String identification = params == null ? null : params.getEndpointIdentificationAlgorithm();
      field(d, String.valueOf(side));
      field(d, String.valueOf(authType));
      field(d, String.valueOf(peerHost));
      field(d, String.valueOf(identification));
      for (X509Certificate c : chain) {
        byte[] der = c.getEncoded();
        field(d, Integer.toString(der.length));
        d.update(der);
      }
      return new Key(d.digest());
    } catch (NoSuchAlgorithmException | CertificateException e) {
      return null;
    }
  }

  private static void field(MessageDigest d, String value) {
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    d.update((byte) bytes.length);
    d.update(bytes);
    d.update((byte) 0);
  }

  private record Key(byte[] digest) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && Arrays.equals(digest, k.digest);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(digest);
    }
  }
}
