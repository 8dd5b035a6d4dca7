package io.berth.dns;

import java.util.Arrays;
import java.util.Random;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** Hostile packets from a seed: random bytes and mutations of a valid query. */
final class PacketMutator {
  private final Random random;
  private final byte[] valid;
  private final byte[] validWithEdns;

  PacketMutator(long seed) {
    this.random = new Random(seed);
    this.valid = TestZone.query("0.web.demo.default.berth.", Type.A).toWire();
    Message edns = TestZone.query("web.demo.default.berth.", Type.A);
    edns.addRecord(new OPTRecord(4096, 0, 0), Section.ADDITIONAL);
    this.validWithEdns = edns.toWire();
  }

  byte[] next() {
    return switch (random.nextInt(8)) {
      case 0 -> randomBytes(random.nextInt(600));
      case 1 -> flipBits(random.nextBoolean() ? valid : validWithEdns);
      case 2 -> Arrays.copyOf(validWithEdns, random.nextInt(validWithEdns.length));
      case 3 -> hugeCounts();
      case 4 -> badLabel();
      case 5 -> compressionLoop();
      case 6 -> badOptions();
      default -> randomHeaderBits();
    };
  }

  private byte[] randomBytes(int length) {
    byte[] b = new byte[length];
    random.nextBytes(b);
    return b;
  }

  private byte[] flipBits(byte[] base) {
    byte[] b = base.clone();
    for (int i = 1 + random.nextInt(8); i > 0; i--) {
      b[random.nextInt(b.length)] ^= (byte) (1 << random.nextInt(8));
    }
    return b;
  }

  private byte[] hugeCounts() {
    byte[] b = valid.clone();
    for (int i = 4; i < 12; i++) {
      b[i] = (byte) random.nextInt(256);
    }
    return b;
  }

  /** A label length pointing past the end, or one of the reserved 0x40/0x80 label types. */
  private byte[] badLabel() {
    byte[] b = valid.clone();
    int[] lengths = {63, 0x40 | random.nextInt(64), 0x80 | random.nextInt(64), 200};
    b[12 + random.nextInt(3)] = (byte) lengths[random.nextInt(lengths.length)];
    return b;
  }

  /** A question name that is a pointer to itself, or two pointers pointing at each other. */
  private byte[] compressionLoop() {
    byte[] header = Arrays.copyOf(valid, 12);
    byte[] loop =
        random.nextBoolean()
            ? new byte[] {(byte) 0xC0, 12, 0, 1, 0, 1}
            : new byte[] {1, 'a', (byte) 0xC0, 16, (byte) 0xC0, 12, 0, 1, 0, 1};
    byte[] b = Arrays.copyOf(header, 12 + loop.length);
    System.arraycopy(loop, 0, b, 12, loop.length);
    return b;
  }

  /** A valid query whose OPT RDATA claims options longer than what follows. */
  private byte[] badOptions() {
    byte[] b = Arrays.copyOf(validWithEdns, validWithEdns.length + 8);
    int rdlength = validWithEdns.length - 2;
    b[rdlength] = 0;
    b[rdlength + 1] = 8;
    b[validWithEdns.length] = (byte) random.nextInt(256);
    b[validWithEdns.length + 1] = (byte) random.nextInt(256);
    b[validWithEdns.length + 2] = (byte) 0xFF; // option length far past the RDATA
    b[validWithEdns.length + 3] = (byte) 0xFF;
    return b;
  }

  private byte[] randomHeaderBits() {
    byte[] b = valid.clone();
    b[2] = (byte) random.nextInt(256);
    b[3] = (byte) random.nextInt(256);
    return b;
  }
}
