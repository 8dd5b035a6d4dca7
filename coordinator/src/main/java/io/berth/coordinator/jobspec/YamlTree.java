package io.berth.coordinator.jobspec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.StringReader;
import java.math.BigDecimal;
import java.math.BigInteger;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads YAML into a Jackson tree with anchors, aliases and {@code <<} merge keys resolved (job
 * files share env blocks that way), which Jackson's own YAML reader does not do. SnakeYAML's
 * limits against alias bombs stay on. Scalars keep their text unless YAML types them as a
 * number, boolean or null: a timestamp stays a string.
 */
final class YamlTree {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private YamlTree() {}

  /** The document's root, or null for an empty one; IllegalArgumentException says what and where. */
  static JsonNode read(String text) {
    Node root;
    try {
      root = new Yaml(new LoaderOptions()).compose(new StringReader(text));
    } catch (MarkedYAMLException e) {
      int line = e.getProblemMark() == null ? 0 : e.getProblemMark().getLine() + 1;
      throw new IllegalArgumentException((line > 0 ? "at line " + line + ": " : "") + e.getProblem());
    } catch (YAMLException e) {
      throw new IllegalArgumentException(e.getMessage());
    }
    return root == null ? null : convert(root);
  }

  private static JsonNode convert(Node node) {
    if (node instanceof MappingNode m) {
      ObjectNode o = NODES.objectNode();
      for (NodeTuple t : m.getValue()) {
        String key = t.getKeyNode() instanceof ScalarNode k ? k.getValue() : String.valueOf(t.getKeyNode());
        if (key.equals("<<") && t.getKeyNode().getTag().equals(Tag.MERGE)) {
          continue; // merged below, after the mapping's own keys, which win
        }
        o.set(key, convert(t.getValueNode()));
      }
      for (NodeTuple t : m.getValue()) {
        if (t.getKeyNode().getTag().equals(Tag.MERGE)) {
          merge(o, t.getValueNode());
        }
      }
      return o;
    }
    if (node instanceof SequenceNode s) {
      ArrayNode a = NODES.arrayNode();
      for (Node item : s.getValue()) {
        a.add(convert(item));
      }
      return a;
    }
    ScalarNode sc = (ScalarNode) node;
    String v = sc.getValue();
    Tag tag = sc.getTag();
    try {
      if (tag.equals(Tag.NULL)) {
        return NODES.nullNode();
      }
      if (tag.equals(Tag.BOOL)) {
        return NODES.booleanNode(v.equalsIgnoreCase("true") || v.equalsIgnoreCase("yes") || v.equalsIgnoreCase("on"));
      }
      if (tag.equals(Tag.INT)) {
        BigInteger i = new BigInteger(v.replace("_", ""));
        return i.bitLength() < 32 ? NODES.numberNode(i.intValue()) : NODES.numberNode(i);
      }
      if (tag.equals(Tag.FLOAT)) {
        return NODES.numberNode(new BigDecimal(v.replace("_", "")));
      }
    } catch (NumberFormatException e) {
      // YAML 1.1 forms Java cannot parse (0x.., 1:20, .inf): keep the text
    }
    return NODES.textNode(v);
  }

  private static void merge(ObjectNode into, Node source) {
    if (source instanceof SequenceNode s) {
      for (Node n : s.getValue()) {
        merge(into, n);
      }
      return;
    }
    JsonNode m = convert(source);
    if (m.isObject()) {
      m.fields().forEachRemaining(e -> {
        if (!into.has(e.getKey())) {
          into.set(e.getKey(), e.getValue());
        }
      });
    }
  }
}
