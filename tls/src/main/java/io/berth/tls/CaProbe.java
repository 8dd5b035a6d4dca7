package io.berth.tls;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Learns a cluster's CA from a coordinator without trusting it yet: reads the certificate chain
 * the server presents and accepts its root only if the root's SHA-256 is the one the join token
 * pins, and it really signed the server's certificate. Nothing secret is sent.
 */
public final class CaProbe {
  private CaProbe() {}

  /** The CA is not the one the token names (or the server sent none). */
  public static final class CaMismatch extends Exception {
    public CaMismatch(String message) {
      super(message);
    }
  }

  public static X509Certificate fetch(String host, int port, String expectedSha256, int timeoutMs)
      throws IOException, CaMismatch {
    List<X509Certificate> chain = presentedChain(host, port, timeoutMs);
    return check(chain, expectedSha256, host + ":" + port);
  }

  /** The checks alone, for a chain obtained any way. */
  public static X509Certificate check(List<X509Certificate> chain, String expectedSha256, String where)
      throws CaMismatch {
    if (chain.isEmpty()) {
      throw new CaMismatch(where + " presented no certificate: is it a Berth coordinator?");
    }
    X509Certificate root = chain.get(chain.size() - 1);
    String actual = Fingerprints.sha256(root);
    if (!actual.equalsIgnoreCase(expectedSha256)) {
      throw new CaMismatch("the CA of " + where + " has SHA-256 " + actual + " but the token expects "
          + expectedSha256 + ": wrong token or wrong coordinator (nothing was sent to it)");
    }
    try {
      root.verify(root.getPublicKey());
      chain.get(0).verify(root.getPublicKey());
    } catch (GeneralSecurityException e) {
      throw new CaMismatch("the certificate of " + where + " is not signed by the CA the token pins");
    }
    return root;
  }

  private static List<X509Certificate> presentedChain(String host, int port, int timeoutMs) throws IOException {
    Recorder recorder = new Recorder();
    try {
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, new TrustManager[] {recorder}, null);
      try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket()) {
        s.connect(new InetSocketAddress(host, port), timeoutMs);
        s.setSoTimeout(timeoutMs);
        SSLParameters p = s.getSSLParameters();
        p.setApplicationProtocols(new String[] {"h2"});
        s.setSSLParameters(p);
        s.startHandshake();
      }
    } catch (GeneralSecurityException e) {
      throw new IOException("TLS is not available: " + e.getMessage(), e);
    }
    return recorder.chain == null ? List.of() : List.of(recorder.chain);
  }

  /** Accepts any chain but remembers it: the caller judges it against the token afterwards. */
  private static final class Recorder implements X509TrustManager {
    private volatile X509Certificate[] chain;

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {
      throw new UnsupportedOperationException("client side only");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {
      this.chain = chain.clone();
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
