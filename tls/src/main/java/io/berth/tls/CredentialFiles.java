package io.berth.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.Optional;

/**
 * One holder's credential in a directory: {@code <name>.key} (mode 0600), {@code <name>.crt}
 * (its chain) and {@code ca.crt} (the cluster CA it trusts).
 */
public record CredentialFiles(Path dir, String name) {

  public Path keyFile() {
    return dir.resolve(name + ".key");
  }

  public Path certificateFile() {
    return dir.resolve(name + ".crt");
  }

  public Path caFile() {
    return dir.resolve("ca.crt");
  }

  public boolean exists() {
    return Files.isRegularFile(keyFile()) && Files.isRegularFile(certificateFile()) && Files.isRegularFile(caFile());
  }

  public Optional<TlsMaterial> load() throws IOException {
    if (!exists()) {
      return Optional.empty();
    }
    try {
      X509Certificate ca = Pem.certificate(Files.readString(caFile()));
      var chain = Pem.certificates(Files.readString(certificateFile()));
      return Optional.of(new TlsMaterial(Pem.privateKey(Files.readString(keyFile())), chain, ca));
    } catch (IllegalArgumentException e) {
      throw new IOException("the credential in " + dir + " is unreadable (" + e.getMessage() + ")", e);
    }
  }

  /** Writes the key first (0600), then the certificates; each file is replaced atomically. */
  public void save(TlsMaterial material) throws IOException {
    PrivateFiles.directory(dir);
    PrivateFiles.write(keyFile(), Pem.of(material.key()));
    PrivateFiles.write(certificateFile(), Pem.ofChain(material.chain()));
    PrivateFiles.write(caFile(), Pem.of(material.ca()));
  }
}
