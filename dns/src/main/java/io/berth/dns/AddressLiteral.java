package io.berth.dns;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/** Parses IP address text without ever asking DNS (InetAddress.getByName would, for a name). */
final class AddressLiteral {
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

  private AddressLiteral() {}

  /** @param where what the text belongs to, for the error message */
  static InetAddress parse(String text, String where) {
    if (!text.contains(":") && !IPV4.matcher(text).matches()) {
      throw new IllegalArgumentException(where + ": '" + text + "' is not an IPv4 or IPv6 address");
    }
    try {
      return InetAddress.getByName(text);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(where + ": '" + text + "' is not a valid address", e);
    }
  }
}
