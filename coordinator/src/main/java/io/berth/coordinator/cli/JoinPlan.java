package io.berth.coordinator.cli;

import io.berth.coordinator.MemberIdentity;
import io.berth.coordinator.security.ClusterSecrets;
import io.berth.coordinator.security.JoinToken;
import io.berth.tls.CaProbe;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * What `coordinator start --join` does with its data dir, decided before anything is written: a
 * data dir holding a member of this cluster restarts it (no token needed); an empty one joins with
 * the token; one of another cluster, or half-made, is refused untouched.
 */
record JoinPlan(boolean restart, String memberId) {

  static JoinPlan of(Path dataDir, String seed, String token) throws SeedClient.JoinRefused {
    boolean member = MemberIdentity.existsIn(dataDir);
    if (member || ClusterSecrets.present(dataDir)) {
      if (!member || !ClusterSecrets.present(dataDir)) {
        throw new SeedClient.JoinRefused("data dir " + dataDir + " holds part of a member (its identity or its CA, "
            + "not both): give an empty --data-dir");
      }
      String ours = fingerprint(dataDir);
      if (token != null) {
        String theirs;
        try {
          theirs = JoinToken.parse(token).caFingerprint();
        } catch (IllegalArgumentException e) {
          throw new SeedClient.JoinRefused("--token: " + e.getMessage());
        }
        if (!theirs.equals(ours)) {
          throw new SeedClient.JoinRefused(anotherCluster(dataDir, ours, "the token's is " + theirs));
        }
      } else {
        checkSeed(dataDir, seed, ours);
      }
      return new JoinPlan(true, memberId(dataDir));
    }
    if (Files.isDirectory(dataDir.resolve("raft"))) {
      throw new SeedClient.JoinRefused("data dir " + dataDir + " holds a Raft log but no member identity: give an "
          + "empty --data-dir");
    }
    if (token == null) {
      throw new SeedClient.JoinRefused("--join needs --token (the token `berth coordinator start --bootstrap` printed, "
          + "or `berth token rotate`) unless --data-dir already holds a member of the cluster");
    }
    return new JoinPlan(false, "");
  }

  /** A restart without a token: refuse only when the seed answers with another cluster's CA (a seed that is down is fine). */
  private static void checkSeed(Path dataDir, String seed, String ours) throws SeedClient.JoinRefused {
    int colon = seed.lastIndexOf(':');
    if (colon <= 0) {
      throw new SeedClient.JoinRefused("--join takes HOST:PORT (the member's gRPC port), not " + seed);
    }
    try {
      CaProbe.fetch(seed.substring(0, colon), Integer.parseInt(seed.substring(colon + 1)), ours, 5_000);
    } catch (CaProbe.CaMismatch e) {
      throw new SeedClient.JoinRefused(anotherCluster(dataDir, ours, seed + " is of another: " + e.getMessage()));
    } catch (IOException | RuntimeException e) {
      // not reachable now: the data dir says which cluster this member is of, and Raft finds its peers
    }
  }

  private static String anotherCluster(Path dataDir, String ours, String other) {
    return "data dir " + dataDir + " belongs to another cluster (CA sha256 " + ours + "; " + other + "): nothing "
        + "was changed. Give an empty --data-dir to join this cluster, or restart that member with its own cluster";
  }

  private static String fingerprint(Path dataDir) throws SeedClient.JoinRefused {
    try {
      return ClusterSecrets.load(dataDir).ca().fingerprint();
    } catch (IOException | RuntimeException e) {
      throw new SeedClient.JoinRefused("data dir " + dataDir + ": cannot read its cluster CA: " + e);
    }
  }

  private static String memberId(Path dataDir) {
    Properties p = new Properties();
    try (var r = Files.newBufferedReader(dataDir.resolve("member.properties"))) {
      p.load(r);
    } catch (IOException e) {
      return "?";
    }
    return p.getProperty("member.id", "?");
  }
}
