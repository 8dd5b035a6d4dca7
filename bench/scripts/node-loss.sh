#!/usr/bin/env bash
# Node loss to replacement running (issue 3): two nodes (two real agents on this machine's
# dockerd), one coordinator, default settings (heartbeat 1 s, node TTL 5 s). Each round finds the
# node running the job's one task, kills that node the way a dead host goes (kill -9 of its agent
# and, at the same instant, its containers), and times until `docker ps` lists the task's
# replacement running on the other node. The dead node's agent is then restarted (no token: it
# keeps its certificate) and, once it is ready again, the next round kills whichever node runs
# the task. Published anchors: Swarm about 15 s to mark a node down, Nomad 20-30 s, Kubernetes
# 40 s + 300 s.
#   ROUNDS=5 bench/scripts/node-loss.sh
# Needs a built tree (mvn -B -DskipTests package), a dockerd and lab/busybox:1.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${ROUNDS:-5}
NODE=loss-a-$$
OTHER=loss-b-$$
JOB=loss-$$
now_ms() { date +%s%3N; }
cleanup() {
  [ -n "${OTHER_PID:-}" ] && kill "$OTHER_PID" 2>/dev/null || true
  docker ps -aq --filter "label=berth.node=$OTHER" | xargs -r docker rm -f >/dev/null 2>&1 || true
  stop_one_node_cluster
}
trap cleanup EXIT
. bench/scripts/one-node-cluster.sh

token=$(cat "$WORK/c/join-token")
declare -A PID_OF=([$NODE]=$AGENT_PID) DIR_OF=([$NODE]=$WORK/a [$OTHER]=$WORK/b)
start_agent() { # name [token]
  bin/berth agent start --coordinator "$BERTH_COORDINATOR" ${2:+--token "$2"} --name "$1" --address 127.0.0.1 \
    --data-dir "${DIR_OF[$1]}" >>"$WORK/agent-$1.log" 2>&1 &
  PID_OF[$1]=$!
  CLUSTER_PIDS+=($!)
  until bin/berth node ls 2>/dev/null | grep -q "^$1 .* ready"; do sleep 0.2; done
}
start_agent "$OTHER" "$token"
OTHER_PID=${PID_OF[$OTHER]}

cat >"$WORK/loss.yaml" <<YAML
name: $JOB
groups:
  - name: w
    count: 1
    image: lab/busybox:1
    resources: {cpu: 10m, memory: 16Mi}
    command: [/bin/sh, -c, 'trap "exit 0" TERM; while true; do sleep 1; done']
YAML
bin/berth job run -f "$WORK/loss.yaml" >/dev/null

running_on() { # the node whose container of the job is running, or nothing
  docker ps --filter "label=berth.job=$JOB" --filter status=running --format '{{.Label "berth.node"}}' | head -1
}
times=()
for r in $(seq 1 "$ROUNDS"); do
  victim=""
  until [ -n "$victim" ]; do victim=$(running_on); [ -n "$victim" ] || sleep 0.2; done
  survivor=$([ "$victim" = "$NODE" ] && echo "$OTHER" || echo "$NODE")
  sleep 3 # the task has been running a while, and its RUNNING report is in the state
  t0=$(now_ms)
  kill -9 "${PID_OF[$victim]}"
  docker ps -q --filter "label=berth.node=$victim" | xargs -r docker kill >/dev/null
  until docker ps --filter "label=berth.job=$JOB" --filter "label=berth.node=$survivor" --filter status=running \
      -q | grep -q .; do sleep 0.05; done
  ms=$(( $(now_ms) - t0 ))
  times+=("$ms")
  echo "round $r: $victim lost, task running on $survivor after ${ms} ms" >&2
  docker ps -aq --filter "label=berth.node=$victim" | xargs -r docker rm -f >/dev/null 2>&1 || true
  start_agent "$victim"
  [ "$victim" = "$OTHER" ] && OTHER_PID=${PID_OF[$OTHER]}
done
bin/berth job stop "$JOB" >/dev/null || true
summary=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "median %d ms, max %d ms", m, a[NR]}')
echo "| node lost (agent and containers killed) to its task running on another node, default TTL 5 s ($ROUNDS rounds) | $summary | published: Swarm ~15 s, Nomad 20-30 s, Kubernetes 40 s + 300 s |"
