package io.berth.coordinator.scheduler;

import io.berth.proto.NodeRecord;

/** What a constraint's attribute names on a node: hostname, address, or a label. */
final class NodeAttributes {

  private NodeAttributes() {}

  /** The attribute's value on the node, or null when the node does not have it. */
  static String value(NodeRecord node, String attribute) {
    switch (attribute) {
      case "", "hostname", "node.name":
        return node.getFacts().getName();
      case "address", "node.address":
        return node.getFacts().getAddress();
      default:
        String label = attribute.startsWith("label.") ? attribute.substring("label.".length()) : attribute;
        return node.getFacts().getLabelsMap().get(label);
    }
  }

  static boolean isHostname(String attribute) {
    return attribute.isEmpty() || attribute.equals("hostname") || attribute.equals("node.name");
  }
}
