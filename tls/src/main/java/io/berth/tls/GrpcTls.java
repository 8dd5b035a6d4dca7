package io.berth.tls;

import io.grpc.ChannelCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.function.Supplier;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/** gRPC credentials for Berth's mutual TLS, from {@link TlsMaterial}. */
public final class GrpcTls {
  private GrpcTls() {}

  /**
   * A client that trusts only the cluster CA and shows {@code own} when asked (the current value
   * at each handshake, so a renewed certificate is used from the next connection on).
   */
  public static ChannelCredentials client(X509Certificate ca, Supplier<TlsMaterial> own) {
    TlsChannelCredentials.Builder b = TlsChannelCredentials.newBuilder().trustManager(trusting(ca));
    if (own != null) {
      b.keyManager(new CurrentKey(own));
    }
    return b.build();
  }

  /** A client with no certificate of its own: only for the token-authorized enrolment calls. */
  public static ChannelCredentials anonymousClient(X509Certificate ca) {
    return client(ca, null);
  }

  /**
   * The coordinator's side: its own chain, the CA for clients, and client certificates asked for
   * but optional at the TLS layer (an enrolling agent has none yet; the call authorizer decides).
   */
  public static ServerCredentials server(Supplier<TlsMaterial> own) {
    return TlsServerCredentials.newBuilder()
        .keyManager(new CurrentKey(own))
        .trustManager(trusting(own.get().ca()))
        .clientAuth(TlsServerCredentials.ClientAuth.OPTIONAL)
        .build();
  }

  /** The key manager behind {@link #server} and {@link #client}, for transports built by hand. */
  public static X509ExtendedKeyManager keyManager(Supplier<TlsMaterial> own) {
    return new CurrentKey(own);
  }

  /** Trusts chains issued by the cluster CA; accepted chains are remembered ({@link VerifiedChains}). */
  public static TrustManager[] trusting(X509Certificate ca) {
    try {
      KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
      ks.load(null, null);
      ks.setCertificateEntry("berth-ca", ca);
      TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      f.init(ks);
      TrustManager[] managers = f.getTrustManagers();
      for (int i = 0; i < managers.length; i++) {
        if (managers[i] instanceof X509ExtendedTrustManager extended) {
          managers[i] = new VerifiedChains(extended);
        }
      }
      return managers;
    } catch (GeneralSecurityException | java.io.IOException e) {
      throw new IllegalStateException("cannot build a trust store for the cluster CA", e);
    }
  }

  /** Hands out whatever credential the supplier holds now. */
  private static final class CurrentKey extends X509ExtendedKeyManager {
    private static final String ALIAS = "berth";
    private final Supplier<TlsMaterial> material;

    CurrentKey(Supplier<TlsMaterial> material) {
      this.material = material;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
      return new String[] {ALIAS};
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
      return ALIAS;
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
      return ALIAS;
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
      return new String[] {ALIAS};
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
      return ALIAS;
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
      return ALIAS;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
      return material.get().chain().toArray(new X509Certificate[0]);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
      return material.get().key();
    }
  }
}
