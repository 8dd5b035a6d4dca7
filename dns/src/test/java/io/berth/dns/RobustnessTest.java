package io.berth.dns;

import static io.berth.dns.TestZone.answers;
import static io.berth.dns.TestZone.query;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * Thousands of random and mutated packets (cut headers, bad label lengths, compression loops, huge
 * counts, bad EDNS options), first into the responder, then over UDP and TCP; afterwards the
 * server must still answer correctly.
 */
class RobustnessTest {
  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
  private static final int PACKETS = 5_000;

  @Test
  void responderNeverThrowsAndEveryReplyIsAWellFormedAnswerToThatQuery() throws IOException {
    Responder responder = new Responder();
    ZoneSnapshot zone = TestZone.snapshot();
    PacketMutator mutator = new PacketMutator(1);
    int answered = 0;
    for (int i = 0; i < 50_000; i++) {
      byte[] packet = mutator.next();
      for (Transport transport : Transport.values()) {
        byte[] reply = responder.respond(packet, transport, zone);
        if (reply == null) {
          continue;
        }
        answered++;
        Message parsed = new Message(reply); // our reply always parses
        assertTrue(parsed.getHeader().getFlag(Flags.QR));
        assertEquals(((packet[0] & 0xFF) << 8) | (packet[1] & 0xFF), parsed.getHeader().getID());
        assertTrue(transport == Transport.TCP || reply.length <= Responder.MAX_UDP_PAYLOAD);
      }
    }
    assertTrue(answered > 10_000, "most hostile packets with a header still get a reply");
  }

  @Test
  void serverSurvivesHostileUdpAndTcpTraffic() throws Exception {
    try (DnsServer server =
        DnsServer.start(new InetSocketAddress(LOOPBACK, 0), TestZone::snapshot)) {
      PacketMutator mutator = new PacketMutator(2);
      try (DatagramSocket socket = new DatagramSocket()) {
        for (int i = 0; i < PACKETS; i++) {
          byte[] p = mutator.next();
          socket.send(new DatagramPacket(p, p.length, LOOPBACK, server.port()));
        }
      }
      for (int connection = 0; connection < 50; connection++) {
        hostileTcpConnection(server.port(), mutator, connection % 5 == 0);
      }
      assertAnswersCorrectly(server.port());
    }
  }

  /**
   * Framed garbage, then a valid query on the same connection: its answer must come, so the
   * garbage cost neither the connection nor the server. Some connections end with a frame cut short.
   */
  private static void hostileTcpConnection(int port, PacketMutator mutator, boolean cutShort)
      throws IOException {
    try (Socket socket = new Socket(LOOPBACK, port)) {
      socket.setSoTimeout(10_000);
      DataOutputStream out = new DataOutputStream(socket.getOutputStream());
      for (int i = 0; i < PACKETS / 50; i++) {
        DnsServerTest.writeFrame(out, mutator.next());
      }
      if (cutShort) {
        out.writeShort(500);
        out.write(new byte[] {1, 2, 3});
        out.flush();
        return; // closing mid-frame must only end this connection
      }
      Message probe = query("1.web.demo.default.berth.", Type.A);
      DnsServerTest.writeFrame(out, probe.toWire());
      out.flush();
      DataInputStream in = new DataInputStream(socket.getInputStream());
      while (true) {
        byte[] frame = DnsServerTest.readFrame(in);
        if (frame.length >= 12
            && ((frame[0] & 0xFF) << 8 | (frame[1] & 0xFF)) == probe.getHeader().getID()) {
          Message reply = new Message(frame);
          if (probe.getQuestion().equals(reply.getQuestion())) { // not a garbage frame's twin ID
            assertEquals(Set.of("10.1.0.2"), answers(reply));
            return;
          }
        }
      }
    }
  }

  private static void assertAnswersCorrectly(int port) throws IOException {
    for (boolean tcp : new boolean[] {false, true}) {
      SimpleResolver resolver = new SimpleResolver(new InetSocketAddress(LOOPBACK, port));
      resolver.setTCP(tcp);
      resolver.setTimeout(Duration.ofSeconds(5));
      Message reply = resolver.send(query("web.demo.default.berth.", Type.A));
      assertEquals(Rcode.NOERROR, reply.getRcode());
      assertEquals(Set.of("10.1.0.1", "10.1.0.2"), answers(reply));
      assertEquals(
          Rcode.NXDOMAIN, resolver.send(query("nope.berth.", Type.A)).getRcode());
    }
  }

}
