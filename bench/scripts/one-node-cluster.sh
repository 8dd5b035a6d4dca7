# Sourced by the one-node benchmarks: starts a coordinator (Raft on disk, loopback, free ports)
# and one agent on this machine's dockerd as real processes, waits until the node is ready, and
# stops both (and removes the node's containers) on exit. Sets WORK, AGENT_PID, BERTH_COORDINATOR.
#   NODE=overhead-node . bench/scripts/one-node-cluster.sh
# AGENT_CMD: how the agent is started; default bin/berth's `agent` command (the checkout's JDK),
# AGENT_CMD=bundle/target/berth-agent/bin/berth-agent runs it as install.sh installs it.
NODE=${NODE:-bench-node}
WORK=$(mktemp -d /tmp/berth-bench-XXXX)
CLUSTER_PIDS=()
now() { date +%s.%N; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
stop_one_node_cluster() {
  for p in "${CLUSTER_PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  docker ps -aq --filter "label=berth.node=$NODE" | xargs -r docker rm -f >/dev/null 2>&1 || true
}

GRPC=$(free_port); DNS=$(free_port); RAFT=$(free_port); HTTP=$(free_port)
# The admin credential goes to the run's own directory: the CLI calls below use it (mutual TLS).
export BERTH_CONFIG_DIR="$WORK/client"
bin/berth coordinator start --bootstrap --data-dir "$WORK/c" --bind 127.0.0.1 --grpc-port "$GRPC" \
  --dns-port "$DNS" --raft-port "$RAFT" --http-port "$HTTP" --config-dir "$BERTH_CONFIG_DIR" \
  --dns-upstream none >"$WORK/c.log" 2>&1 &
CLUSTER_PIDS+=($!)
until grep -q "agent start" "$WORK/c.log"; do sleep 0.2; done
export BERTH_COORDINATOR=127.0.0.1:$GRPC
${AGENT_CMD:-bin/berth agent} start --coordinator "$BERTH_COORDINATOR" --token "$(cat "$WORK/c/join-token")" \
  --name "$NODE" --address 127.0.0.1 --data-dir "$WORK/a" >"$WORK/a.log" 2>&1 &
AGENT_PID=$!
CLUSTER_PIDS+=($AGENT_PID)
until bin/berth node ls 2>/dev/null | grep -q "$NODE .* ready"; do sleep 0.2; done
