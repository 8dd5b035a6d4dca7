package io.berth.coordinator;

import io.berth.dns.ClientNetworks;
import io.berth.dns.DnsServerOptions;
import io.berth.dns.Forwarding;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the embedded DNS forwards names outside the cluster zone, and for whom: by default the
 * host's own resolvers (/etc/resolv.conf), for clients on loopback, the coordinator's /24 and
 * Docker's bridge networks only, so it is never an open resolver.
 */
final class DnsForwardingConfig {
  private static final Logger LOG = LoggerFactory.getLogger(DnsForwardingConfig.class);

  private DnsForwardingConfig() {}

  static DnsServerOptions options(CoordinatorOptions o) {
    DnsServerOptions base = DnsServerOptions.defaults();
    if (o.dnsUpstreams().size() == 1 && o.dnsUpstreams().get(0).equals("none")) {
      return base;
    }
    ClientNetworks clients = ClientNetworks.of(clientNetworks(o));
    try {
      Forwarding f;
      if (o.dnsUpstreams().isEmpty()) {
        f = Forwarding.fromResolvConf(Path.of("/etc/resolv.conf"), clients);
      } else {
        List<InetSocketAddress> ups = new ArrayList<>();
        for (String u : o.dnsUpstreams()) {
          int colon = u.lastIndexOf(':');
          ups.add(colon > 0 && !u.contains("]") && u.indexOf(':') == colon
              ? new InetSocketAddress(u.substring(0, colon), Integer.parseInt(u.substring(colon + 1)))
              : new InetSocketAddress(u, 53));
        }
        f = Forwarding.to(ups, clients);
      }
      LOG.info("DNS forwards names outside the zone to {} for clients in {}", f.upstreams(), clients);
      return base.withForwarding(f);
    } catch (Exception e) {
      LOG.warn("DNS will not forward names outside the zone: {}", e.getMessage());
      return base;
    }
  }

  private static List<String> clientNetworks(CoordinatorOptions o) {
    if (!o.dnsClientNetworks().isEmpty()) {
      return o.dnsClientNetworks();
    }
    List<String> nets = new ArrayList<>(List.of("127.0.0.0/8", "172.16.0.0/12"));
    String[] octets = o.advertise().split("\\.");
    if (octets.length == 4) {
      nets.add(octets[0] + "." + octets[1] + "." + octets[2] + ".0/24");
    }
    return nets;
  }
}
