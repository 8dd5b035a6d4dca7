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
import io.grpc.netty.shaded.io.grpc.netty.GrpcHttp2ConnectionHandler;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiator;
import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.buffer.Unpooled;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandler;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.embedded.EmbeddedChannel;
import io.grpc.netty.shaded.io.netty.util.AsciiString;
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
import java.util.concurrent.CompletableFuture;
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

  private ClusterCa ca;
  private TlsMaterial member;

  /** A real gRPC server with real TLS behind the admission gate; returns its port. */
  private int serve(HandshakeAdmission admission) throws Exception {
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .protocolNegotiator(admission)
        .addService(ServerServiceDefinition.builder("test.Echo")
            .addMethod(ECHO, ServerCalls.asyncUnaryCall((req, out) -> {
              out.onNext(req);
              out.onCompleted();
            }))
            .build())
        .build().start();
    return server.getPort();
  }

  private HandshakeAdmission admission(int limit, int queue, Duration maxWait) throws Exception {
    ca = ClusterCa.create(dir.resolve("ca"), "c1");
    member = ca.issueMember("c-a", List.of("127.0.0.1"));
    return ServerTls.withAdmission(() -> member, limit, queue, maxWait);
  }

  private byte[] echo(int port, byte[] request) {
    if (channel == null) {
      channel = NettyChannelBuilder.forTarget("127.0.0.1:" + port,
          GrpcTls.client(ca.certificate(), () -> member)).build();
    }
    return ClientCalls.blockingUnaryCall(channel, ECHO,
        CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS), request);
  }

  private static void assertClosedByServer(Socket s) throws IOException {
    s.setSoTimeout(5_000);
    assertEquals(-1, s.getInputStream().read(), "the server closes the connection");
  }

  @Test
  void withoutAQueueConnectionsBeyondTheLimitAreClosedAndASlotFreesWhenItsHandshakeEnds() throws Exception {
    HandshakeAdmission admission = admission(1, 0, Duration.ofSeconds(3));
    int port = serve(admission);
    try (Socket hog = new Socket("127.0.0.1", port)) {
      // Connected but silent: its handshake holds the only slot.
      await(() -> admission.inProgress() == 1, "the first connection takes the slot");
      try (Socket second = new Socket("127.0.0.1", port)) {
        assertClosedByServer(second);
      }
      assertEquals(1, admission.refused());
    }
    await(() -> admission.inProgress() == 0, "a closed connection frees its slot");

    assertArrayEquals(new byte[] {1, 2, 3}, echo(port, new byte[] {1, 2, 3}));
    // The connection stays open, yet its slot is free: slots are for handshakes, not connections.
    assertEquals(0, admission.inProgress());
    assertEquals(1, admission.refused());
  }

  @Test
  void aQueuedConnectionIsAdmittedWhenASlotFreesAndAFullQueueRefuses() throws Exception {
    HandshakeAdmission admission = admission(1, 1, Duration.ofSeconds(15));
    int port = serve(admission);
    CompletableFuture<byte[]> answer;
    try (Socket hog = new Socket("127.0.0.1", port)) {
      await(() -> admission.inProgress() == 1, "the first connection takes the slot");
      answer = CompletableFuture.supplyAsync(() -> echo(port, new byte[] {4, 5}));
      await(() -> admission.waiting() == 1, "the gRPC client's connection waits for the slot");
      try (Socket third = new Socket("127.0.0.1", port)) {
        assertClosedByServer(third);
      }
      assertEquals(1, admission.refused(), "the queue holds one: the third connection is refused");
      assertEquals(false, answer.isDone());
    }
    // The hog's close frees the slot; the waiting client gets it and completes its call.
    assertArrayEquals(new byte[] {4, 5}, answer.get(20, TimeUnit.SECONDS));
    assertEquals(0, admission.waiting());
    assertEquals(0, admission.inProgress());
  }

  @Test
  void aConnectionThatWaitsTooLongIsClosed() throws Exception {
    HandshakeAdmission admission = admission(1, 4, Duration.ofMillis(300));
    int port = serve(admission);
    try (Socket hog = new Socket("127.0.0.1", port)) {
      // One after the other: two connections opened at once may be accepted in either order.
      await(() -> admission.inProgress() == 1, "the first connection takes the slot");
      try (Socket queued = new Socket("127.0.0.1", port)) {
        await(() -> admission.waiting() == 1, "the second waits");
        assertClosedByServer(queued);
      }
      assertEquals(1, admission.refused());
      assertEquals(0, admission.waiting());
    }
  }

  /**
   * Bytes that reach a waiting connection (a read already under way when the gate stopped reads)
   * close it, counted as refused, and are released: they never reach gRPC ahead of a TLS handler.
   * Netty's embedded channels stand in for the sockets: the race on a busy event loop cannot be
   * forced with real ones.
   */
  @Test
  void bytesReachingAWaitingConnectionCloseItAndGoNoFurther() {
    InternalProtocolNegotiator.ProtocolNegotiator noTls = new InternalProtocolNegotiator.ProtocolNegotiator() {
      @Override
      public AsciiString scheme() {
        return AsciiString.of("https");
      }

      @Override
      public ChannelHandler newHandler(GrpcHttp2ConnectionHandler grpcHandler) {
        return new ChannelInboundHandlerAdapter();
      }

      @Override
      public void close() { }
    };
    HandshakeAdmission admission = new HandshakeAdmission(noTls, 1, 4, Duration.ofSeconds(30));
    EmbeddedChannel first = new EmbeddedChannel();
    first.pipeline().addLast(admission.newHandler(null));
    assertEquals(1, admission.inProgress());

    EmbeddedChannel second = new EmbeddedChannel();
    second.pipeline().addLast(admission.newHandler(null));
    assertEquals(1, admission.waiting());
    ByteBuf hello = Unpooled.buffer().writeBytes(new byte[] {22, 3, 1});
    second.writeInbound(hello);

    assertEquals(List.of(), List.copyOf(second.inboundMessages()), "nothing passes a waiting gate");
    assertEquals(0, hello.refCnt(), "the bytes are released");
    assertEquals(false, second.isOpen(), "the connection is closed; its agent retries");
    assertEquals(1, admission.refused());
    assertEquals(0, admission.waiting());
    first.close();
    second.runPendingTasks();
    assertEquals(0, admission.inProgress(), "the slot is free again");
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
