package io.berth.dns;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The client networks the server forwards for, as CIDR blocks ("10.0.0.0/8", "fd00::/8", or a
 * bare address for one host). Anyone else gets REFUSED for names outside our zones: the server
 * must not be an open resolver.
 */
public final class ClientNetworks {
  private final List<byte[]> prefixes;
  private final int[] lengths;
  private final List<String> text;

  private ClientNetworks(List<byte[]> prefixes, int[] lengths, List<String> text) {
    this.prefixes = prefixes;
    this.lengths = lengths;
    this.text = text;
  }

  /** No one: every out-of-zone query is refused. */
  public static ClientNetworks none() {
    return of(List.of());
  }

  public static ClientNetworks of(String... cidrs) {
    return of(List.of(cidrs));
  }

  public static ClientNetworks of(List<String> cidrs) {
    List<byte[]> prefixes = new ArrayList<>();
    int[] lengths = new int[cidrs.size()];
    for (int i = 0; i < cidrs.size(); i++) {
      String cidr = cidrs.get(i).trim();
      int slash = cidr.indexOf('/');
      String literal = slash < 0 ? cidr : cidr.substring(0, slash);
      byte[] address = AddressLiteral.parse(literal, "client network " + cidr).getAddress();
      int bits = address.length * 8;
      int length = slash < 0 ? bits : prefixLength(cidr.substring(slash + 1), bits, cidr);
      prefixes.add(address);
      lengths[i] = length;
    }
    return new ClientNetworks(prefixes, lengths, List.copyOf(cidrs));
  }

  public boolean contains(InetAddress client) {
    byte[] address = unmapped(client.getAddress());
    for (int i = 0; i < lengths.length; i++) {
      if (matches(prefixes.get(i), lengths[i], address)) {
        return true;
      }
    }
    return false;
  }

  /** ::ffff:a.b.c.d (an IPv4 client on a dual-stack socket) compares as a.b.c.d. */
  private static byte[] unmapped(byte[] address) {
    if (address.length != 16 || address[10] != (byte) 0xFF || address[11] != (byte) 0xFF) {
      return address;
    }
    for (int i = 0; i < 10; i++) {
      if (address[i] != 0) {
        return address;
      }
    }
    return Arrays.copyOfRange(address, 12, 16);
  }

  private static boolean matches(byte[] prefix, int length, byte[] address) {
    if (prefix.length != address.length) {
      return false;
    }
    int whole = length / 8;
    for (int i = 0; i < whole; i++) {
      if (prefix[i] != address[i]) {
        return false;
      }
    }
    int rest = length % 8;
    if (rest == 0) {
      return true;
    }
    int mask = (0xFF << (8 - rest)) & 0xFF;
    return (prefix[whole] & mask) == (address[whole] & mask);
  }

  private static int prefixLength(String digits, int bits, String cidr) {
    try {
      int length = Integer.parseInt(digits);
      if (length >= 0 && length <= bits) {
        return length;
      }
    } catch (NumberFormatException e) {
      // reported below with the whole CIDR
    }
    throw new IllegalArgumentException(
        "client network '" + cidr + "': prefix length must be 0.." + bits);
  }

  @Override
  public String toString() {
    return text.toString();
  }
}
