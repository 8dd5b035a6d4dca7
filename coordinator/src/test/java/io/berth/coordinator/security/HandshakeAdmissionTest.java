package io.berth.coordinator.security;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.berth.tls.GrpcTls;
import io.berth.tls.TlsMaterial;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gRPC server's handshake limit, on real sockets and real TLS. */
class HandshakeAdmissionTest {
  @TempDir Path dir;
  private Server server;
  private ManagedChannel channel;

  private static final MethodDescriptor<byte[], byte[]> ECHO = MethodDescriptor.<byte[], byte[]>newBuilder()
      .setType(MethodDescriptor.MethodType.UNARY)
      .setFullMethodName("test.Echo/Echo")
      .setRequestMarshaller(new Bytes())
      .setResponseMarshaller(new Bytes())
      .build();

  @AfterEach
  void stop() {
    if (channel != null) {
      channel.shutdownNow();
    }
    if (server != null) {
      server.shutdownNow();
    }
  }

  @Test
  void connectionsBeyondTheLimitAreClosedAndASlotFreesWhenItsHandshakeEnds() throws Exception {
    ClusterCa ca = ClusterCa.create(dir.resolve("ca"), "c1");
    TlsMaterial member = ca.issueMember("c-a", List.of("127.0.0.1"));
    HandshakeAdmission admission = ServerTls.withAdmission(() -> member, 1);
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .protocolNegotiator(admission)
        .addService(ServerServiceDefinition.builder("test.Echo")
            .addMethod(ECHO, ServerCalls.asyncUnaryCall((req, out) -> {
              out.onNext(req);
              out.onCompleted();
            }))
            .build())
        .build().start();
    int port = server.getPort();

    try (Socket hog = new Socket("127.0.0.1", port)) {
      // Connected but silent: its handshake holds the only slot.
      await(() -> admission.inProgress() == 1, "the first connection takes the slot");
      try (Socket second = new Socket("127.0.0.1", port)) {
        second.setSoTimeout(5_000);
        assertEquals(-1, second.getInputStream().read(), "the second connection is closed at once");
      }
      assertEquals(1, admission.refused());
    }
    await(() -> admission.inProgress() == 0, "a closed connection frees its slot");

    channel = NettyChannelBuilder.forTarget("127.0.0.1:" + port,
        GrpcTls.client(ca.certificate(), () -> member)).build();
    byte[] answer = ClientCalls.blockingUnaryCall(channel, ECHO,
        CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), new byte[] {1, 2, 3});
    assertArrayEquals(new byte[] {1, 2, 3}, answer);
    // The connection stays open, yet its slot is free: slots are for handshakes, not connections.
    assertEquals(0, admission.inProgress());
    assertEquals(1, admission.refused());
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      Thread.sleep(10);
    }
  }

  private static final class Bytes implements MethodDescriptor.Marshaller<byte[]> {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
