package io.berth.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;

/** `-o json`: the API's own messages in protobuf's JSON mapping, so scripts see every field. */
final class Json {
  private static final JsonFormat.Printer PRINTER = JsonFormat.printer().includingDefaultValueFields().preservingProtoFieldNames();

  private Json() {}

  static void print(MessageOrBuilder message) {
    try {
      System.out.println(PRINTER.print(message));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }
}
