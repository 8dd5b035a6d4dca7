#!/usr/bin/env bash
# Berth on an embedded default: a one-host cluster on this machine (a coordinator and an agent,
# a local dockerd started if none runs), a demo job of three web servers, then `berth ps`, a DNS
# answer for a task, and a request to it by address. The cluster keeps running afterwards;
# `scripts/demo.sh down` stops it and removes the demo's containers.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
STATE=${BERTH_DEMO_DIR:-/tmp/berth-demo}
# The demo cluster's admin credential and client config (mutual TLS), kept apart from ~/.berth.
export BERTH_CONFIG_DIR="$STATE/client"

down() {
  for p in agent coordinator; do
    if [ -f "$STATE/$p.pid" ]; then
      kill "$(cat "$STATE/$p.pid")" 2>/dev/null || true
      rm -f "$STATE/$p.pid"
    fi
  done
  ids=$(docker ps -aq --filter label=berth.node=demo-node 2>/dev/null || true)
  [ -z "$ids" ] || docker rm -f $ids >/dev/null 2>&1 || true
}

if [ "${1:-}" = down ]; then
  down
  rm -rf "$STATE"
  echo "demo: stopped"
  exit 0
fi

scripts/setup.sh
echo "demo: building (mvn -B -q -DskipTests package)"
mvn -B -q -DskipTests package
down
rm -rf "$STATE"
mkdir -p "$STATE"

# The host's routable address: what every other host (and container) would reach it at.
ADDR=$(ip -4 route get 1.1.1.1 2>/dev/null | awk '{for (i=1;i<NF;i++) if ($i=="src") print $(i+1)}' | head -1)
ADDR=${ADDR:-127.0.0.1}
DNS_PORT=${BERTH_DEMO_DNS_PORT:-53}

echo "demo: starting a coordinator on $ADDR (DNS port $DNS_PORT)"
setsid bin/berth coordinator start --bootstrap --data-dir "$STATE/coordinator" --bind "$ADDR" \
  --dns-port "$DNS_PORT" --config-dir "$BERTH_CONFIG_DIR" >"$STATE/coordinator.log" 2>&1 &
echo $! >"$STATE/coordinator.pid"
for _ in $(seq 1 120); do
  [ -s "$STATE/coordinator/join-token" ] && grep -q "agent start" "$STATE/coordinator.log" && break
  if ! kill -0 "$(cat "$STATE/coordinator.pid")" 2>/dev/null; then
    echo "demo: the coordinator exited:" >&2; cat "$STATE/coordinator.log" >&2; exit 1
  fi
  sleep 0.5
done
sed -n '/is up/,$p' "$STATE/coordinator.log" | head -6
TOKEN=$(cat "$STATE/coordinator/join-token")

echo "demo: starting an agent"
setsid bin/berth agent start --coordinator "$ADDR:7070" --token "$TOKEN" --name demo-node --address "$ADDR" \
  --data-dir "$STATE/agent" >"$STATE/agent.log" 2>&1 &
echo $! >"$STATE/agent.pid"
for _ in $(seq 1 120); do
  bin/berth node ls 2>/dev/null | grep -q "demo-node .* ready" && break
  sleep 0.5
done
bin/berth node ls

echo "demo: bin/berth job run -f examples/demo.yaml"
bin/berth job run -f examples/demo.yaml
for _ in $(seq 1 120); do
  [ "$(bin/berth ps demo | grep -c ' running ')" = 3 ] && break
  sleep 0.5
done
echo
echo "\$ bin/berth ps demo"
bin/berth ps demo
echo
echo "\$ dig @$ADDR -p $DNS_PORT 0.web.demo.default.berth +noall +answer"
dig @"$ADDR" -p "$DNS_PORT" 0.web.demo.default.berth +noall +answer
echo "\$ dig @$ADDR -p $DNS_PORT _http._tcp.web.demo.default.berth SRV +noall +answer"
dig @"$ADDR" -p "$DNS_PORT" _http._tcp.web.demo.default.berth SRV +noall +answer
PORT=$(dig @"$ADDR" -p "$DNS_PORT" _http._tcp.web.demo.default.berth SRV +short | awk '$4 ~ /^0\.web/ {print $3}')
if [ -n "$PORT" ]; then
  echo "\$ wget -qO- http://$ADDR:$PORT/"
  busybox wget -qO- "http://$ADDR:$PORT/" || true
fi
echo
echo "demo: the cluster keeps running. Try: BERTH_CONFIG_DIR=$BERTH_CONFIG_DIR bin/berth logs 0.web.demo.default"
echo "demo: stop it with: scripts/demo.sh down"
