#!/usr/bin/env bash
# Orchestration overhead on one real node: `berth job run` of N busybox replicas (coordinator +
# agent as processes, Raft on disk) against N parallel `docker run -d` on the same dockerd,
# measured in the same run. Prints a table row with the ratio. Needs a built tree
# (mvn -B -DskipTests package), a dockerd on /var/run/docker.sock and lab/busybox:1.
#   N=100 ROUNDS=3 bench/scripts/overhead.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${N:-100}
ROUNDS=${ROUNDS:-3}
WORK=$(mktemp -d /tmp/berth-overhead-XXXX)
CMD='trap "exit 0" TERM; while true; do sleep 1; done'
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  docker ps -aq --filter label=bench=overhead | xargs -r docker rm -f >/dev/null 2>&1 || true
  docker ps -aq --filter label=berth.node=overhead-node | xargs -r docker rm -f >/dev/null 2>&1 || true
}
trap cleanup EXIT
now() { date +%s.%N; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

GRPC=$(free_port); DNS=$(free_port); RAFT=$(free_port); HTTP=$(free_port)
bin/berth coordinator start --bootstrap --data-dir "$WORK/c" --bind 127.0.0.1 --grpc-port "$GRPC" \
  --dns-port "$DNS" --raft-port "$RAFT" --http-port "$HTTP" --no-client-config --dns-upstream none >"$WORK/c.log" 2>&1 &
PIDS+=($!)
until grep -q "agent start" "$WORK/c.log"; do sleep 0.2; done
export BERTH_COORDINATOR=127.0.0.1:$GRPC
bin/berth agent start --coordinator "$BERTH_COORDINATOR" --token "$(cat "$WORK/c/join-token")" \
  --name overhead-node --address 127.0.0.1 --data-dir "$WORK/a" >"$WORK/a.log" 2>&1 &
PIDS+=($!)
until bin/berth node ls 2>/dev/null | grep -q "overhead-node .* ready"; do sleep 0.2; done

docker_round() {
  local t0 t1
  t0=$(now)
  for i in $(seq 1 "$N"); do
    docker run -d --network host --label bench=overhead lab/busybox:1 /bin/sh -c "$CMD" >/dev/null &
  done
  wait
  t1=$(now)
  echo "$t1 - $t0" | bc
  docker ps -aq --filter label=bench=overhead | xargs -r docker rm -f >/dev/null
}

berth_round() {
  local t0 t1 job=ovh-$1
  cat >"$WORK/$job.yaml" <<YAML
name: $job
groups:
  - name: w
    count: $N
    image: lab/busybox:1
    command:
      - /bin/sh
      - -c
      - '$CMD'

YAML
  t0=$(now)
  bin/berth job run -f "$WORK/$job.yaml" >/dev/null
  until [ "$(docker ps -q --filter label=berth.job=$job --filter status=running | wc -l)" = "$N" ]; do sleep 0.1; done
  t1=$(now)
  echo "$t1 - $t0" | bc
  bin/berth job stop "$job" >/dev/null
  until [ -z "$(docker ps -aq --filter label=berth.job=$job)" ]; do sleep 0.2; done
}

best_docker=""; best_berth=""
for r in $(seq 1 "$ROUNDS"); do
  d=$(docker_round); b=$(berth_round "$r")
  echo "round $r: parallel docker run ${d}s, berth job run ${b}s" >&2
  if [ -z "$best_docker" ] || [ "$(echo "$d < $best_docker" | bc)" = 1 ]; then best_docker=$d; fi
  if [ -z "$best_berth" ] || [ "$(echo "$b < $best_berth" | bc)" = 1 ]; then best_berth=$b; fi
done
ratio=$(echo "scale=2; $best_berth / $best_docker" | bc)
echo "| $N busybox replicas on one node (best of $ROUNDS) | berth job run: ${best_berth} s | $N parallel docker run -d: ${best_docker} s (ratio ${ratio}) |"
