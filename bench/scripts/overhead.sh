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
CMD='trap "exit 0" TERM; while true; do sleep 1; done'
NODE=overhead-node
SWARM=${SWARM:-1}
SWARM_OURS=0
cleanup() {
  docker service rm berth-ovh >/dev/null 2>&1 || true
  if [ "$SWARM_OURS" = 1 ]; then docker swarm leave --force >/dev/null 2>&1 || true; fi
  docker ps -aq --filter label=bench=overhead | xargs -r docker rm -f >/dev/null 2>&1 || true
  stop_one_node_cluster
}
trap cleanup EXIT
. bench/scripts/one-node-cluster.sh

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

# Docker Swarm on the same dockerd: no registry is reachable, so the service names the image by
# its sha256 id and skips resolution. The swarm is left again if this script created it.
swarm_round() {
  local t0 t1 id
  id=$(docker image inspect -f '{{.Id}}' lab/busybox:1)
  t0=$(now)
  docker service create --detach --name berth-ovh --replicas "$N" --no-resolve-image \
    --restart-condition none "$id" /bin/sh -c "$CMD" >/dev/null
  until [ "$(docker ps -q --filter label=com.docker.swarm.service.name=berth-ovh --filter status=running | wc -l)" = "$N" ]; do
    sleep 0.1
  done
  t1=$(now)
  echo "$t1 - $t0" | bc
  docker service rm berth-ovh >/dev/null
  until [ -z "$(docker ps -aq --filter label=com.docker.swarm.service.name=berth-ovh)" ]; do sleep 0.2; done
}
if [ "$SWARM" = 1 ] && [ "$(docker info -f '{{.Swarm.LocalNodeState}}')" != active ]; then
  docker swarm init --advertise-addr 127.0.0.1 >/dev/null
  SWARM_OURS=1
fi

best_docker=""; best_berth=""; best_swarm=""
for r in $(seq 1 "$ROUNDS"); do
  d=$(docker_round); b=$(berth_round "$r")
  w=""
  if [ "$SWARM" = 1 ]; then
    w=$(swarm_round)
    if [ -z "$best_swarm" ] || [ "$(echo "$w < $best_swarm" | bc)" = 1 ]; then best_swarm=$w; fi
  fi
  echo "round $r: parallel docker run ${d}s, berth job run ${b}s${w:+, swarm service ${w}s}" >&2
  if [ -z "$best_docker" ] || [ "$(echo "$d < $best_docker" | bc)" = 1 ]; then best_docker=$d; fi
  if [ -z "$best_berth" ] || [ "$(echo "$b < $best_berth" | bc)" = 1 ]; then best_berth=$b; fi
done
ratio=$(echo "scale=2; $best_berth / $best_docker" | bc)
swarm_col=""
if [ -n "$best_swarm" ]; then
  swarm_col="; Docker Swarm service: ${best_swarm} s (ratio $(echo "scale=2; $best_swarm / $best_docker" | bc))"
fi
echo "| $N busybox replicas on one node (best of $ROUNDS) | berth job run: ${best_berth} s (ratio ${ratio}) | $N parallel docker run -d: ${best_docker} s${swarm_col} |"
