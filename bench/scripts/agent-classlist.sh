#!/usr/bin/env bash
# Regenerates the agent bundle's class list (bundle/src/main/bundle/cds/agent.classlist): the
# classes the agent loads in a training run on one real node (join, session, the demo job's tasks
# with their ports and HTTP health checks, a log read, the job stopped). install.sh turns the list
# into a class archive for the node's own paths (`berth-agent share-classes`). Classes the list
# misses are read from the jars as before; names it has that the code no longer loads are skipped
# when the archive is dumped, so a stale list costs memory, never correctness. Re-run it when the
# agent's dependencies change. Needs a built tree (mvn -B -DskipTests package) and a dockerd.
#   bench/scripts/agent-classlist.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=bundle/src/main/bundle/cds/agent.classlist
LIST=$(mktemp /tmp/agent-classlist-XXXX)
NODE=classlist-node
AGENT=bundle/target/berth-agent/bin/berth-agent
[ -x "$AGENT" ] || { echo "agent-classlist: no $AGENT: run mvn -B -DskipTests package" >&2; exit 1; }
# The agent's JVM alone writes the list (the coordinator's and the CLI's do not see the variable).
export AGENT_CMD="env JAVA_TOOL_OPTIONS=-XX:DumpLoadedClassList=$LIST $AGENT"
trap 'stop_one_node_cluster' EXIT
. bench/scripts/one-node-cluster.sh
bin/berth job run -f examples/demo.yaml >/dev/null
until [ "$(bin/berth ps 2>/dev/null | grep -c ' running ')" -ge 3 ]; do sleep 0.5; done
bin/berth logs 0.web.demo.default.berth >/dev/null
sleep 12 # a few heartbeats and health checks (every 2 s) with the tasks running
bin/berth job stop demo >/dev/null
until [ -z "$(docker ps -q --filter label=berth.job=demo)" ]; do sleep 0.5; done
sleep 2
mkdir -p "$(dirname "$OUT")"
cp "$LIST" "$OUT"
rm -f "$LIST"
echo "agent-classlist: $(grep -vc '^#' "$OUT") classes and lambda forms in $OUT"
