package io.berth.coordinator.cli;

import io.berth.coordinator.security.AdminCredential;
import io.berth.coordinator.security.ClusterCa;
import io.berth.coordinator.security.ClusterSecrets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code berth coordinator admin-credential --data-dir DIR}: makes a new admin credential with the
 * CA in a coordinator's data dir. Only someone who can read that data dir (the CA key) can do it.
 */
@Command(name = "admin-credential", mixinStandardHelpOptions = true,
    description = "Write a new admin credential (for the CLI) signed by the cluster CA of a coordinator's data dir.")
public final class AdminCredentialCommand implements Callable<Integer> {
  @Option(names = "--data-dir", required = true, description = "A coordinator's data dir (holds ca/ca.key).")
  Path dataDir;

  @Option(names = "--out", paramLabel = "DIR",
      description = "Where to write admin.key, admin.crt, ca.crt and config.json (default: BERTH_CONFIG_DIR, else ~/.berth).")
  Path out;

  @Option(names = "--coordinator", paramLabel = "HOST:PORT", description = "The coordinator to record in config.json.")
  String coordinator;

  @Override
  public Integer call() throws Exception {
    Path caDir = ClusterSecrets.caDir(dataDir.toAbsolutePath());
    if (!ClusterCa.existsIn(caDir)) {
      System.err.println("berth: " + caDir + " holds no cluster CA: give the --data-dir of a coordinator of the cluster");
      return 2;
    }
    ClusterCa ca = ClusterCa.load(caDir);
    Path dir = ClientConfig.directory(out);
    AdminCredential.write(ca, dir);
    String target = coordinator != null ? coordinator
        : ClientConfig.load(ClientConfig.file(dir)).map(ClientConfig::coordinator).orElse("");
    new ClientConfig(target, ca.fingerprint()).save(ClientConfig.file(dir));
    System.out.println("Admin credential written to " + dir + " (admin.key mode 0600)"
        + (target.isEmpty() ? ": pass --coordinator to commands, or set BERTH_COORDINATOR" : ""));
    return 0;
  }
}
