package io.berth.coordinator.http;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

/**
 * One answer, before it is written: a status, a content type and either bytes or a file (the
 * agent bundle is tens of megabytes and is streamed, never held in memory). {@code route} names
 * what was asked for, for the access log and the counters.
 */
record Response(String route, HttpResponseStatus status, String contentType, byte[] body, Path file, long fileLength,
    Map<String, String> headers) {

  static Response text(String route, HttpResponseStatus status, String text) {
    return bytes(route, status, "text/plain; charset=utf-8", text.endsWith("\n") ? text : text + "\n");
  }

  static Response bytes(String route, HttpResponseStatus status, String contentType, String body) {
    return new Response(route, status, contentType, body.getBytes(StandardCharsets.UTF_8), null, 0, Map.of());
  }

  static Response file(String route, String contentType, Path file, long length) {
    return new Response(route, HttpResponseStatus.OK, contentType, null, file, length, Map.of());
  }

  Response withHeader(String name, String value) {
    Map<String, String> h = new java.util.LinkedHashMap<>(headers);
    h.put(name, value);
    return new Response(route, status, contentType, body, file, fileLength, Map.copyOf(h));
  }

  long contentLength() {
    return file != null ? fileLength : body.length;
  }

  String bodyText() {
    return body == null ? "" : new String(body, StandardCharsets.UTF_8);
  }
}
