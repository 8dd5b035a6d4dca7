package io.berth.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.e2e.lab.Lab;
import io.berth.e2e.lab.LabExtension;
import io.berth.e2e.lab.LabHost;
import io.berth.e2e.lab.Timings;
import io.berth.proto.TaskView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.ReverseMap;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * The addressing invariant (docs: DESIGN.md) checked from inside containers on different
 * simulated hosts: a task's own name gives its routable address, every peer resolves that name
 * to the same address through the coordinator's DNS, reverse lookup agrees, and the address takes
 * TCP connections from other hosts.
 */
@ExtendWith(LabExtension.class)
@Order(LabExtension.CLASS_ORDER + 1)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AddressingInvariantLabE2ETest {
  static final String JOB = "probe";
  static final Duration SETTLE = Duration.ofSeconds(90);

  Lab lab;
  /** The probe tasks, one per host, ordered by index. */
  List<TaskView> probes;

  @BeforeAll
  void deployProbes(Lab lab) throws Exception {
    this.lab = lab;
    Timings.time("addressing: 3 probe tasks on distinct hosts running", () -> {
      // Each probe answers a TCP connection on its Berth port with its own name.
      lab.run("probe.yaml", """
          name: %s
          groups:
            - name: p
              count: 3
              image: lab/java17:1
              network: host
              ports:
                - {label: echo}
              constraints:
                - {attribute: hostname, operator: unique}
              command:
                - /bin/sh
                - -c
                - |
                  echo "probe $BERTH_TASK_NAME on $BERTH_HOST_IP:$BERTH_PORT_ECHO"
                  while true; do echo "$BERTH_TASK_NAME" | nc -l -N "$BERTH_PORT_ECHO" >/dev/null; done
          """.formatted(JOB));
      probes = lab.awaitRunning(JOB, "p", 3, SETTLE);
    });
  }

  @AfterAll
  void stopProbes() {
    if (lab != null) {
      lab.stopJob(JOB);
    }
  }

  @Test
  @Order(1)
  void probesRunOnDistinctHostsWithTheirNodesAddress() {
    Set<String> nodes = probes.stream().map(t -> t.getTask().getNode()).collect(Collectors.toSet());
    assertEquals(3, nodes.size(), "the unique constraint puts each probe on its own host: " + probes);
    for (TaskView t : probes) {
      assertEquals(t.getTask().getIndex() + ".p." + JOB + ".default.berth", t.getName());
      assertEquals(lab.hostOf(t).address(), t.getAddress(), "a host-network task's address is its host's");
    }
  }

  @Test
  @Order(2)
  void eachTaskSeesItsOwnNameAsItsRoutableAddress() throws Exception {
    Timings.time("addressing: own name -> own address, env, hosts, resolv.conf", () -> {
      for (TaskView t : probes) {
        LabHost h = lab.hostOf(t);
        String c = t.getTask().getContainerId();
        String who = t.getName() + " on " + h;
        assertEquals(t.getName(), h.shell(c, "hostname"), "hostname of " + who);
        assertEquals(t.getAddress(), h.shell(c, "hostname -i"), "hostname -i of " + who);
        assertEquals(t.getAddress(), firstField(h.shell(c, "getent hosts \"$(hostname)\"")), "own name of " + who);
        assertEquals(t.getName() + " " + t.getAddress() + " " + h.name() + " " + t.getTask().getIndex(),
            h.shell(c, "echo \"$BERTH_TASK_NAME $BERTH_HOST_IP $BERTH_NODE $BERTH_INDEX\""), "BERTH_* env of " + who);

        // The agent's hosts file adds the task's name without wiping the host's own entries.
        String hosts = h.shell(c, "cat /etc/hosts");
        assertTrue(hosts.lines().anyMatch(l -> l.matches(h.address() + "\\s+" + h.name())), "host entry kept:\n" + hosts);
        assertTrue(hosts.lines().anyMatch(l -> l.matches("127\\.0\\.0\\.1\\s+localhost.*")), "localhost kept:\n" + hosts);

        // The coordinator is the resolver, with the namespace as search domain.
        String resolv = h.shell(c, "cat /etc/resolv.conf");
        assertTrue(resolv.lines().anyMatch(l -> l.trim().equals("nameserver " + lab.dnsAddress())), resolv);
        assertTrue(resolv.lines().anyMatch(l -> l.startsWith("search") && l.contains("default.berth")), resolv);
      }
    });
  }

  @Test
  @Order(3)
  void peersOnOtherHostsResolveTheSameAddressThroughTheCoordinator() throws Exception {
    Timings.time("addressing: peers resolve the same address (full and short names, and dnsjava)", () -> {
      for (TaskView target : probes) {
        // What the coordinator's DNS answers, asked directly.
        Message m = lab.dns(target.getName(), Type.A);
        assertEquals(Rcode.NOERROR, m.getRcode(), m.toString());
        assertTrue(m.getHeader().getFlag(Flags.AA), "authoritative: " + m);
        List<String> answers = m.getSection(Section.ANSWER).stream()
            .filter(r -> r instanceof ARecord).map(r -> ((ARecord) r).getAddress().getHostAddress()).toList();
        assertEquals(List.of(target.getAddress()), answers, "A of " + target.getName());

        for (TaskView from : peersOf(target)) {
          LabHost h = lab.hostOf(from);
          String c = from.getTask().getContainerId();
          assertEquals(target.getAddress(), firstField(h.shell(c, "getent hosts " + target.getName())),
              target.getName() + " as resolved in " + from.getName());
          String shortName = target.getTask().getIndex() + ".p." + JOB;
          assertEquals(target.getAddress(), firstField(h.shell(c, "getent hosts " + shortName)),
              shortName + " (search path) as resolved in " + from.getName());
        }
      }
    });
  }

  @Test
  @Order(4)
  void eachAddressAcceptsTcpFromTheOtherHosts() throws Exception {
    Timings.time("addressing: TCP by name from every other host", () -> {
      for (TaskView target : probes) {
        int port = target.getTask().getPortsMap().get("echo");
        for (TaskView from : peersOf(target)) {
          LabHost h = lab.hostOf(from);
          // The listener re-opens after each connection: retry briefly rather than race it.
          String answer = Await.until("a TCP answer from " + target.getName() + ":" + port + " in " + from.getName(),
              Duration.ofSeconds(20),
              () -> h.tryShell(from.getTask().getContainerId(), "nc -N -w 5 " + target.getName() + " " + port + " </dev/null").out().trim(),
              out -> !out.isEmpty());
          assertEquals(target.getName(), answer, "who answered on " + target.getName() + ":" + port);
        }
      }
    });
  }

  @Test
  @Order(5)
  void reverseLookupOfEachAddressGivesANameThatResolvesBack() throws Exception {
    Timings.time("addressing: PTR agrees (coordinator DNS and inside containers)", () -> {
      List<String> problems = new ArrayList<>();
      for (TaskView target : probes) {
        String address = target.getAddress();
        Message m = lab.dns(ReverseMap.fromAddress(address).toString(), Type.PTR);
        List<String> names = m.getSection(Section.ANSWER).stream()
            .filter(r -> r instanceof PTRRecord).map(r -> ((PTRRecord) r).getTarget().toString()).toList();
        if (m.getRcode() != Rcode.NOERROR || names.isEmpty()) {
          problems.add("PTR " + ReverseMap.fromAddress(address) + " @" + lab.dnsAddress() + ": "
              + Rcode.string(m.getRcode()) + ", " + names.size() + " answers (the coordinator does not serve the reverse zone)");
          continue;
        }
        for (String name : names) {
          Message forward = lab.dns(name, Type.A);
          boolean back = forward.getSection(Section.ANSWER).stream()
              .anyMatch(r -> r instanceof ARecord && ((ARecord) r).getAddress().getHostAddress().equals(address));
          if (!back) {
            problems.add("PTR of " + address + " is " + name + " but its A records do not include " + address + ": " + forward);
          }
        }
        // Inside a container on another host: the address is not in its hosts file, so the
        // C library asks the coordinator for the PTR, then resolves that name forward.
        TaskView from = peersOf(target).get(0);
        LabHost h = lab.hostOf(from);
        String c = from.getTask().getContainerId();
        String reverse = h.tryShell(c, "getent hosts " + address).out().trim();
        if (reverse.isEmpty()) {
          problems.add("getent hosts " + address + " in " + from.getName() + " finds no name");
          continue;
        }
        String name = reverse.split("\\s+")[1];
        String forward = firstField(h.shell(c, "getent hosts " + name));
        if (!forward.equals(address)) {
          problems.add("in " + from.getName() + ": " + address + " -> " + name + " -> " + forward);
        }
      }
      assertTrue(problems.isEmpty(), "reverse lookups that do not agree:\n" + String.join("\n", problems));
    });
  }

  @Test
  @Order(6)
  void namesOfAStoppedJobAreWithdrawn() throws Exception {
    Timings.time("addressing: job stop removes containers and names", () -> {
      lab.stopJob(JOB);
      Message gone = Await.until("0.p." + JOB + " withdrawn from DNS", Duration.ofSeconds(30),
          () -> lab.dns("0.p." + JOB + ".default.berth", Type.A), x -> x.getRcode() == Rcode.NXDOMAIN);
      assertFalse(gone.getSection(Section.ANSWER).stream().anyMatch(r -> r.getType() == Type.A), gone.toString());
    });
  }

  private List<TaskView> peersOf(TaskView t) {
    return probes.stream().filter(p -> !p.getTask().getNode().equals(t.getTask().getNode())).toList();
  }

  private static String firstField(String getentLine) {
    String line = getentLine.lines().findFirst().orElse("").trim();
    return line.isEmpty() ? "" : line.split("\\s+")[0];
  }
}
