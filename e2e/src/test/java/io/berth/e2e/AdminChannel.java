package io.berth.e2e;

import io.berth.tls.CredentialFiles;
import io.berth.tls.GrpcTls;
import io.berth.tls.TlsMaterial;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.nio.file.Path;

/** A mutual-TLS channel to a coordinator with the admin credential a coordinator wrote to a config dir. */
public final class AdminChannel {
  private AdminChannel() {}

  public static ManagedChannel open(String endpoint, Path configDir) {
    TlsMaterial admin = admin(configDir);
    return NettyChannelBuilder.forTarget(endpoint, GrpcTls.client(admin.ca(), () -> admin))
        .maxInboundMessageSize(256 << 20).build();
  }

  private static TlsMaterial admin(Path configDir) {
    try {
      return new CredentialFiles(configDir, "admin").load().orElseThrow(() ->
          new IllegalStateException("no admin credential in " + configDir));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
