package io.berth.coordinator.security;

import io.berth.tls.GrpcTls;
import io.berth.tls.TlsMaterial;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiators;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;

/**
 * The coordinator's gRPC server TLS: what {@link GrpcTls#server} describes (its own chain, the CA
 * for clients, client certificates optional at the TLS layer), built as a Netty negotiator so that
 * {@link HandshakeAdmission} can stand in front of it.
 */
public final class ServerTls {
  private ServerTls() {}

  public static HandshakeAdmission withAdmission(Supplier<TlsMaterial> own, int maxHandshakes,
      int maxQueued, java.time.Duration maxWait) {
    try {
      SslContext context = GrpcSslContexts.configure(SslContextBuilder.forServer(GrpcTls.keyManager(own)))
          .trustManager(GrpcTls.trusting(own.get().ca())[0])
          .clientAuth(ClientAuth.OPTIONAL)
          .build();
      return new HandshakeAdmission(InternalProtocolNegotiators.serverTls(context), maxHandshakes,
          maxQueued, maxWait);
    } catch (SSLException e) {
      throw new IllegalStateException("cannot set up the gRPC server's TLS: " + e.getMessage(), e);
    }
  }
}
