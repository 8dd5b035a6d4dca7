package io.berth.coordinator.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The repository's install.sh (packed into this jar by the build) with this cluster filled in:
 * where the script was fetched from (so it fetches the CA and the bundle from the same place)
 * and every coordinator's gRPC endpoint (where the agent dials). Only the two marked lines
 * change; values are checked to be host:port text, so nothing a client sends can become shell.
 */
public final class InstallScript {
  static final String RESOURCE = "install.sh";
  static final String SERVED_FROM_MARKER = "# @berth:served-from";
  static final String COORDINATORS_MARKER = "# @berth:coordinators";
  private static final Pattern HOST_PORT = Pattern.compile("[A-Za-z0-9.:\\[\\]_-]{1,300}");

  private final String template;

  public InstallScript(String template) {
    if (!template.contains(SERVED_FROM_MARKER) || !template.contains(COORDINATORS_MARKER)) {
      throw new IllegalArgumentException("install.sh lacks the lines marked " + SERVED_FROM_MARKER + " and "
          + COORDINATORS_MARKER);
    }
    this.template = template;
  }

  /** The script packed next to this class by the build. */
  public static InstallScript packaged() {
    try (InputStream in = InstallScript.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("install.sh is not in the coordinator's jar: rebuild with mvn package");
      }
      return new InstallScript(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static boolean isHostPort(String s) {
    return s != null && HOST_PORT.matcher(s).matches();
  }

  /**
   * The script for one request. {@code servedFrom} is the host:port the client reached this
   * server at; {@code coordinators} the gRPC endpoints, this coordinator first.
   */
  public String render(String servedFrom, List<String> coordinators) {
    if (!isHostPort(servedFrom)) {
      throw new IllegalArgumentException("not a host:port: " + servedFrom);
    }
    List<String> endpoints = coordinators.stream().filter(InstallScript::isHostPort).toList();
    StringBuilder out = new StringBuilder(template.length() + 200);
    for (String line : template.split("\n", -1)) {
      if (line.endsWith(SERVED_FROM_MARKER)) {
        line = line.substring(0, line.indexOf('=') + 1) + "'" + servedFrom + "'  " + SERVED_FROM_MARKER;
      } else if (line.endsWith(COORDINATORS_MARKER)) {
        line = line.substring(0, line.indexOf('=') + 1) + "'" + String.join(",", endpoints) + "'  " + COORDINATORS_MARKER;
      }
      out.append(line).append('\n');
    }
    out.setLength(out.length() - 1);
    return out.toString();
  }
}
