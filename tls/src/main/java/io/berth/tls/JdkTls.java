package io.berth.tls;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * JDK TLS from {@link TlsMaterial}, for transports that are not gRPC (an HTTPS server, a Raft
 * transport): a context that presents the holder's chain and trusts only the cluster CA. Servers
 * built on it should require client certificates ({@code setNeedClientAuth(true)}) between members.
 */
public final class JdkTls {
  private JdkTls() {}

  public static SSLContext context(TlsMaterial material) {
    try {
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(keyManagerFactory(material).getKeyManagers(), GrpcTls.trusting(material.ca()), null);
      return ctx;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot build a TLS context", e);
    }
  }

  /** An in-memory key store with the holder's key and chain (password-less entry, for APIs that want one). */
  public static KeyStore keyStore(TlsMaterial material, char[] password) {
    try {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      ks.setKeyEntry("berth", material.key(), password, material.chain().toArray(new X509Certificate[0]));
      return ks;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot build a key store", e);
    }
  }

  /** A trust store holding only the cluster CA. */
  public static KeyStore trustStore(X509Certificate ca) {
    try {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      ks.setCertificateEntry("berth-ca", ca);
      return ks;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot build a trust store", e);
    }
  }

  private static KeyManagerFactory keyManagerFactory(TlsMaterial material) throws GeneralSecurityException {
    char[] password = new char[0];
    KeyManagerFactory f = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    f.init(keyStore(material, password), password);
    return f;
  }
}
