package io.berth.dns;

import static io.berth.dns.TestZone.ip;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ClientNetworksTest {
  private final ClientNetworks networks =
      ClientNetworks.of("10.0.0.0/8", "192.168.7.0/25", "fd00::/8", "203.0.113.9");

  @Test
  void addressesInsideTheBlocksAreAllowed() {
    assertTrue(networks.contains(ip("10.255.1.2")));
    assertTrue(networks.contains(ip("192.168.7.127")));
    assertTrue(networks.contains(ip("fd12:3456::1")));
    assertTrue(networks.contains(ip("203.0.113.9")));
  }

  @Test
  void addressesOutsideAreNot() {
    assertFalse(networks.contains(ip("11.0.0.1")));
    assertFalse(networks.contains(ip("192.168.7.128")), "/25 ends at .127");
    assertFalse(networks.contains(ip("fe80::1")));
    assertFalse(networks.contains(ip("203.0.113.10")));
    assertFalse(ClientNetworks.none().contains(ip("127.0.0.1")));
  }

  @Test
  void ipv4MappedClientsOfADualStackSocketMatchTheirIpv4Block() throws Exception {
    byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xFF, (byte) 0xFF, 10, 1, 2, 3};
    // Inet6Address.getByAddress keeps the 16 bytes (InetAddress.getByAddress would unmap them).
    assertTrue(networks.contains(java.net.Inet6Address.getByAddress(null, mapped, -1)));
    mapped[12] = 11;
    assertFalse(networks.contains(java.net.Inet6Address.getByAddress(null, mapped, -1)));
  }

  @Test
  void zeroLengthPrefixMatchesItsWholeFamilyOnly() {
    ClientNetworks anyV4 = ClientNetworks.of("0.0.0.0/0");
    assertTrue(anyV4.contains(ip("8.8.8.8")));
    assertFalse(anyV4.contains(ip("::1")));
  }

  @Test
  void badBlocksAreRejectedWithoutAnyLookup() {
    assertThrows(IllegalArgumentException.class, () -> ClientNetworks.of("localhost/8"));
    assertThrows(IllegalArgumentException.class, () -> ClientNetworks.of("10.0.0.0/33"));
    assertThrows(IllegalArgumentException.class, () -> ClientNetworks.of("10.0.0.0/x"));
    assertThrows(IllegalArgumentException.class, () -> ClientNetworks.of("fd00::/129"));
  }
}
