package io.berth.coordinator.scheduler;

import com.google.protobuf.CodedOutputStream;
import io.berth.proto.GroupSpec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A short hash of what a group's tasks run (its spec, count aside): a task whose fingerprint
 * differs from its group's current one runs an older spec and is rolled by an update; a scale
 * changes no fingerprint and so restarts nothing.
 */
public final class GroupFingerprint {
  private GroupFingerprint() {}

  public static String of(GroupSpec group) {
    GroupSpec g = group.toBuilder().clearCount().clearUpdate().clearRestart().build();
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      CodedOutputStream out = CodedOutputStream.newInstance(bytes);
      out.useDeterministicSerialization(); // maps (env) in key order
      g.writeTo(out);
      out.flush();
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes.toByteArray());
      return HexFormat.of().formatHex(digest, 0, 8);
    } catch (IOException | NoSuchAlgorithmException e) {
      throw new IllegalStateException("cannot fingerprint group " + group.getName(), e);
    }
  }
}
