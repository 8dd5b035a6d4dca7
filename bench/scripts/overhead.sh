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

# Machine-wide busy CPU in clock ticks (user+nice+system+irq+softirq+steal), and one process's.
machine_ticks() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9}' /proc/stat; }
proc_ticks() { [ -r "/proc/$1/stat" ] && cut -d')' -f2 "/proc/$1/stat" | awk '{print $12+$13}' || echo 0; }
HZ=$(getconf CLK_TCK)
DOCKERD=$(pgrep -xo dockerd || echo 0); CONTAINERD=$(pgrep -xo containerd || echo 0)
# Ticks of the machine, dockerd, containerd, the coordinator and the agent, in that order.
cpu_sample() {
  echo "$(machine_ticks) $(proc_ticks "$DOCKERD") $(proc_ticks "$CONTAINERD") $(proc_ticks "${CLUSTER_PIDS[0]}") $(proc_ticks "$AGENT_PID")"
}
# Where a round's CPU went, from two samples: seconds of machine, dockerd, containerd,
# coordinator, agent and the rest (runc, shims, CLIs).
cpu_report() {
  echo "$1 $2" | awk -v hz="$HZ" '{m=($6-$1)/hz; d=($7-$2)/hz; c=($8-$3)/hz; o=($9-$4)/hz; a=($10-$5)/hz;
    printf "CPU %.2f s (dockerd %.2f, containerd %.2f, coordinator %.2f, agent %.2f, rest %.2f)", m, d, c, o, a, m-d-c-o-a}'
}
# Counts Docker's start events for containers with label $1 until there are $2, from time $3
# (seconds since the epoch, taken before anything could start: earlier events are replayed). One
# event subscription instead of polling `docker ps`, which would load the dockerd being measured.
await_starts() {
  local n=0 line
  exec 3< <(exec docker events --since "$3" --filter type=container --filter event=start \
    --filter "label=$1" --format '{{.ID}}')
  local events=$!
  while [ "$n" -lt "$2" ] && read -r line <&3; do n=$((n + 1)); done
  kill "$events" 2>/dev/null || true
  exec 3<&-
}

docker_round() {
  local t0 t1 t2 c0 c1
  c0=$(cpu_sample)
  t0=$(now)
  for i in $(seq 1 "$N"); do
    docker run -d --network host --label bench=overhead lab/busybox:1 /bin/sh -c "$CMD" >/dev/null &
  done
  wait
  t1=$(now)
  c1=$(cpu_sample)
  t2=$(now)
  docker ps -aq --filter label=bench=overhead | xargs -r docker rm -f >/dev/null
  echo "$(echo "$t1 - $t0" | bc) $(echo "$(now) - $t2" | bc) $(cpu_report "$c0" "$c1")"
}

berth_round() {
  local t0 t1 t2 job=ovh-$1
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
  c0=$(cpu_sample)
  t0=$(now)
  await_starts "berth.job=$job" "$N" "${t0%.*}" &
  local waiter=$!
  bin/berth job run -f "$WORK/$job.yaml" >/dev/null
  wait "$waiter"
  t1=$(now)
  c1=$(cpu_sample)
  t2=$(now)
  bin/berth job stop "$job" >/dev/null
  until [ -z "$(docker ps -aq --filter label=berth.job=$job)" ]; do sleep 0.2; done
  echo "$(echo "$t1 - $t0" | bc) $(echo "$(now) - $t2" | bc) $(cpu_report "$c0" "$c1")"
}

# Docker Swarm on the same dockerd: no registry is reachable, so the service names the image by
# its sha256 id and skips resolution. The swarm is left again if this script created it.
swarm_round() {
  local t0 t1 t2 id c0 c1
  id=$(docker image inspect -f '{{.Id}}' lab/busybox:1)
  c0=$(cpu_sample)
  t0=$(now)
  await_starts com.docker.swarm.service.name=berth-ovh "$N" "${t0%.*}" &
  local waiter=$!
  docker service create --detach --name berth-ovh --replicas "$N" --no-resolve-image \
    --restart-condition none "$id" /bin/sh -c "$CMD" >/dev/null
  wait "$waiter"
  t1=$(now)
  c1=$(cpu_sample)
  t2=$(now)
  docker service rm berth-ovh >/dev/null
  until [ -z "$(docker ps -aq --filter label=com.docker.swarm.service.name=berth-ovh)" ]; do sleep 0.2; done
  echo "$(echo "$t1 - $t0" | bc) $(echo "$(now) - $t2" | bc) $(cpu_report "$c0" "$c1")"
}
if [ "$SWARM" = 1 ] && [ "$(docker info -f '{{.Swarm.LocalNodeState}}')" != active ]; then
  docker swarm init --advertise-addr 127.0.0.1 >/dev/null
  SWARM_OURS=1
fi

best_docker=""; best_berth=""; best_swarm=""
# Each round's berth/docker ratio too: the two runs of a round are back to back, so the median of
# these is steadier than best against best when the machine's speed drifts between rounds.
paired=()
for r in $(seq 1 "$ROUNDS"); do
  # $( ) rather than < <( ): a round's clean-up must finish before the next round starts.
  out=$(docker_round); read -r d dstop dcpu <<<"$out"
  out=$(berth_round "$r"); read -r b bstop bcpu <<<"$out"
  w=""
  if [ "$SWARM" = 1 ]; then
    out=$(swarm_round); read -r w wstop wcpu <<<"$out"
    if [ -z "$best_swarm" ] || [ "$(echo "$w < $best_swarm" | bc)" = 1 ]; then best_swarm=$w; fi
  fi
  echo "round $r: parallel docker run ${d}s, berth job run ${b}s${w:+, swarm service ${w}s}" >&2
  echo "  docker run: $dcpu; docker rm -f of all (SIGKILL) ${dstop}s" >&2
  echo "  berth:      $bcpu; job stop until all removed ${bstop}s" >&2
  if [ -n "$w" ]; then echo "  swarm:      $wcpu; service rm until all removed ${wstop}s" >&2; fi
  paired+=("$(echo "scale=3; $b / $d" | bc)")
  if [ -z "$best_docker" ] || [ "$(echo "$d < $best_docker" | bc)" = 1 ]; then best_docker=$d; fi
  if [ -z "$best_berth" ] || [ "$(echo "$b < $best_berth" | bc)" = 1 ]; then best_berth=$b; fi
done
ratio=$(echo "scale=2; $best_berth / $best_docker" | bc)
median=$(printf '%s\n' "${paired[@]}" | sort -n | awk '{v[NR]=$1} END{m=(NR%2)?v[(NR+1)/2]:(v[NR/2]+v[NR/2+1])/2; printf "%.2f", m}')
swarm_col=""
if [ -n "$best_swarm" ]; then
  swarm_col="; Docker Swarm service: ${best_swarm} s (ratio $(echo "scale=2; $best_swarm / $best_docker" | bc))"
fi
echo "| $N busybox replicas on one node (best of $ROUNDS) | berth job run: ${best_berth} s (ratio ${ratio}; median of the rounds' own ratios ${median}) | $N parallel docker run -d: ${best_docker} s${swarm_col} |"
