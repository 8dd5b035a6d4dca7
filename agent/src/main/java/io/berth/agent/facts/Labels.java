package io.berth.agent.facts;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/** Parses node labels given as "k=v,k2=v2" on the command line. */
public final class Labels {

  // Constraint matching uses these as attribute names: keep them to a safe alphabet.
  private static final Pattern KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/-]*");

  private Labels() {}

  /** @throws IllegalArgumentException with a message naming the bad entry */
  public static Map<String, String> parse(String text) {
    Map<String, String> labels = new LinkedHashMap<>();
    if (text == null || text.isBlank()) {
      return labels;
    }
    for (String entry : text.split(",")) {
      String e = entry.trim();
      if (e.isEmpty()) {
        continue;
      }
      int eq = e.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("label '" + e + "' is not key=value");
      }
      String key = e.substring(0, eq).trim();
      String value = e.substring(eq + 1).trim();
      if (!KEY.matcher(key).matches()) {
        throw new IllegalArgumentException("label key '" + key
            + "' may only contain letters, digits, '.', '_', '/' and '-'");
      }
      if (labels.put(key, value) != null) {
        throw new IllegalArgumentException("label '" + key + "' is given twice");
      }
    }
    return labels;
  }
}
