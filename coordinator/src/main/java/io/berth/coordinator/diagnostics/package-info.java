/**
 * What a coordinator tells about itself when something is wrong: a replica that stands still
 * gets a report of what this JVM's threads and collectors were doing meanwhile.
 */
package io.berth.coordinator.diagnostics;
