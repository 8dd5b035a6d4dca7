#!/usr/bin/env bash
# Time from `docker kill` of a service task's container to its replacement running, on one real
# node (coordinator + agent as processes, Raft on disk, default settings), against Docker Swarm on
# the same dockerd in the same run (defaults too: `docker service create`, restart delay 5 s).
# "Running" is when `docker ps` first lists a new running container of the service. Each round
# waits SPACING seconds first, so every kill meets a task that has been running a while.
#   ROUNDS=7 SWARM=1 bench/scripts/kill-replace.sh
# Needs a built tree (mvn -B -DskipTests package), a dockerd on /var/run/docker.sock and
# lab/busybox:1. SWARM=1 runs `docker swarm init` (only if this daemon is in no swarm) and
# `docker swarm leave --force` at the end; SWARM=0 measures Berth only.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${ROUNDS:-7}
SPACING=${SPACING:-12}
SWARM=${SWARM:-1}
NODE=killrep-$$
JOB=killrep-$$
SERVICE=berth-bench-swarm-$$
CMD='trap "exit 0" TERM; while true; do sleep 1; done'
SWARM_STARTED=0
cleanup() {
  stop_one_node_cluster
  if [ "$SWARM_STARTED" = 1 ]; then
    docker service rm "$SERVICE" >/dev/null 2>&1 || true
    docker swarm leave --force >/dev/null 2>&1 || true
    # swarm init made it and leave keeps it: remove it unless something else joined it meanwhile
    if [ "$(docker network inspect docker_gwbridge --format '{{len .Containers}}' 2>/dev/null)" = 0 ]; then
      docker network rm docker_gwbridge >/dev/null 2>&1 || true
    fi
  fi
}
trap cleanup EXIT
now_ms() { date +%s%3N; }

# Waits until a running container matching the filter is not $1; prints the ms since $2.
await_new_running() {
  local old=$1 t0=$2 filter=$3 id
  while true; do
    id=$(docker ps -q --no-trunc --filter "$filter" --filter status=running | head -1)
    if [ -n "$id" ] && [ "$id" != "$old" ]; then
      echo $(( $(now_ms) - t0 ))
      return
    fi
    sleep 0.02
  done
}

running_id() {
  local filter=$1 id=""
  until [ -n "$id" ]; do
    id=$(docker ps -q --no-trunc --filter "$filter" --filter status=running | head -1)
    [ -n "$id" ] || sleep 0.2
  done
  echo "$id"
}

stats() { # median and max of the numbers on stdin
  sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "median %d ms, max %d ms", m, a[NR]}'
}

measure() { # $1 label filter
  local filter=$1 out=() id t0
  for r in $(seq 1 "$ROUNDS"); do
    sleep "$SPACING"
    id=$(running_id "$filter")
    t0=$(now_ms)
    docker kill "$id" >/dev/null
    out+=("$(await_new_running "$id" "$t0" "$filter")")
    echo "  round $r: ${out[-1]} ms (killed at $(date -d @$((t0 / 1000)) +%T).$(printf %03d $((t0 % 1000))))" >&2
  done
  printf '%s\n' "${out[@]}"
}

# ---------------------------------------------------------------- Berth
. bench/scripts/one-node-cluster.sh
cat >"$WORK/job.yaml" <<YAML
name: $JOB
groups:
  - name: w
    image: lab/busybox:1
    command: ["/bin/sh", "-c", '$CMD']
YAML
bin/berth job run -f "$WORK/job.yaml" >/dev/null
echo "Berth ($ROUNDS rounds):" >&2
BERTH=$(measure "label=berth.job=$JOB" | stats)
bin/berth job stop "$JOB" >/dev/null
echo "| Berth, 1 service task, default settings | $BERTH |"

# ---------------------------------------------------------------- Swarm
if [ "$SWARM" = 1 ]; then
  if [ "$(docker info --format '{{.Swarm.LocalNodeState}}')" != "inactive" ] \
      || docker network inspect docker_gwbridge >/dev/null 2>&1; then
    echo "this dockerd is (or was) in a swarm: not touching it; Swarm not measured" >&2
    exit 0
  fi
  # Loopback only, and an address pool no lab or bridge network here uses.
  docker swarm init --advertise-addr 127.0.0.1 --listen-addr "127.0.0.1:$(free_port)" \
    --default-addr-pool 10.231.0.0/16 >/dev/null
  SWARM_STARTED=1
  IMAGE_ID=$(docker image inspect -f '{{.Id}}' lab/busybox:1)
  docker service create --detach --quiet --name "$SERVICE" --no-resolve-image "$IMAGE_ID" \
    /bin/sh -c "$CMD" >/dev/null
  echo "Swarm ($ROUNDS rounds):" >&2
  SWARMS=$(measure "label=com.docker.swarm.service.name=$SERVICE" | stats)
  echo "| Docker Swarm $(docker version --format '{{.Server.Version}}'), 1 replica, default settings | $SWARMS |"
fi
