#!/usr/bin/env bash
# A multi-host Berth lab on one machine: N simulated hosts, each a network namespace on a bridge
# with its own dockerd and a Berth agent started the way a user starts one, and a coordinator in
# a namespace of its own (DNS on port 53 there, so containers use it as their resolver).
#
#   bridge  labbr0 10.99.0.1/24 (root namespace: the tests and the CLI reach the lab through it)
#   coordinator  namespace berthlab-coord  10.99.0.2   gRPC 7070, DNS 53, Raft 7090
#   host hN      namespace berthlab-hN     10.99.0.(10+N)  dockerd on /run/berth-lab/hN/docker.sock,
#                                          agent `--name hN --address 10.99.0.(10+N)`
#
# Usage (root):
#   scripts/lab.sh up                 clean up leftovers, then start everything; prints the
#                                     coordinator endpoint. Idempotent: a second `up` rebuilds.
#   scripts/lab.sh down [--purge]     stop everything, remove namespaces, bridge, rule and the
#                                     cluster's state; keeps each host's image store unless --purge
#   scripts/lab.sh status             what runs
#   scripts/lab.sh docker N ARGS...   the docker CLI against host hN's daemon
#   scripts/lab.sh crash-host N       a host dies: kill -9 its agent and its dockerd, then every
#                                     process left in its namespace (containerd, shims, tasks)
#   scripts/lab.sh start-host N       bring a crashed host back (clears the dead daemon's
#                                     exec-root first, or the new one waits for containerd forever)
#   scripts/lab.sh env                the lab's endpoint, token and admin credential dir as shell assignments
#
# Environment: BERTH_LAB_HOSTS (4), BERTH_LAB_DIR (/var/lib/berth-lab), BERTH_LAB_RUN
# (/run/berth-lab), BERTH_LAB_BRIDGE (labbr0), BERTH_LAB_NET (10.99.0, a /24),
# BERTH_LAB_PREFIX (berthlab: namespace names), BERTH_IMAGE_CACHE (see scripts/images.sh).
# Only addresses in BERTH_LAB_NET are created or sent traffic; the namespaces have no default
# route, so nothing in the lab can reach beyond it.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
HOSTS=${BERTH_LAB_HOSTS:-4}
LAB_DIR=${BERTH_LAB_DIR:-/var/lib/berth-lab}
RUN_DIR=${BERTH_LAB_RUN:-/run/berth-lab}
BRIDGE=${BERTH_LAB_BRIDGE:-labbr0}
NET=${BERTH_LAB_NET:-10.99.0}
PREFIX=${BERTH_LAB_PREFIX:-berthlab}
COORD_IP=$NET.2
GRPC=$COORD_IP:7070
if [ -x /usr/bin/docker ]; then DOCKER=/usr/bin/docker; else DOCKER=docker; fi

T0=$(date +%s%3N)
say() { echo "lab: [$(( $(date +%s%3N) - T0 )) ms] $*"; }
die() { echo "lab: $*" >&2; exit 1; }
host_ip() { echo "$NET.$((10 + $1))"; }
ns_of() { echo "$PREFIX-$1"; }                 # ns_of h1 -> berthlab-h1
sock_of() { echo "$RUN_DIR/$1/docker.sock"; }
hdocker() { local h=$1; shift; "$DOCKER" -H "unix://$(sock_of "$h")" "$@"; }
host_names() { local i; for i in $(seq 1 "$HOSTS"); do echo "h$i"; done; }

# Waits up to $1 seconds for the command after it to succeed.
wait_for() {
  local secs=$1; shift
  local deadline=$(( $(date +%s) + secs ))
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}

pid_alive() { our_pid "$1" "$2" >/dev/null; }

# The pid in a pidfile, if that process is still the one we started: its command line must
# contain $2 (pids are reused quickly on a busy machine; never signal a stranger).
our_pid() {
  local file=$1 marker=$2 pid
  [ -f "$file" ] || return 1
  pid=$(cat "$file" 2>/dev/null || true)
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$marker" || return 1
  echo "$pid"
}

# SIGTERM our process from a pidfile, then SIGKILL after $3 seconds.
stop_pidfile() {
  local file=$1 marker=$2 grace=${3:-10} pid
  if pid=$(our_pid "$file" "$marker"); then
    kill "$pid" 2>/dev/null || true
    local deadline=$(( $(date +%s) + grace ))
    while kill -0 "$pid" 2>/dev/null && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$file"
}

# Every process still in one of our namespaces is ours (a dead dockerd leaves containerd, its
# shims and the tasks behind): kill them by id.
kill_namespace_pids() {
  local ns=$1 pids
  ip netns list 2>/dev/null | awk '{print $1}' | grep -qx "$ns" || return 0
  pids=$(ip netns pids "$ns" 2>/dev/null || true)
  [ -z "$pids" ] || kill -9 $pids 2>/dev/null || true
}

require_root() {
  [ "$(id -u)" = 0 ] || die "must run as root (network namespaces, dockerd)"
  command -v ip >/dev/null || die "ip (iproute2) is missing: scripts/setup.sh installs it"
  command -v iptables >/dev/null || die "iptables is missing: scripts/setup.sh installs it"
  command -v nsenter >/dev/null && command -v unshare >/dev/null || die "nsenter/unshare (util-linux) missing"
  command -v dockerd >/dev/null || [ -x /usr/sbin/dockerd ] || die "dockerd is missing (docker.io)"
}

# ---- down -------------------------------------------------------------------------------------

host_down() {
  local h=$1 ns
  ns=$(ns_of "$h")
  stop_pidfile "$RUN_DIR/$h/agent.pid" "$LAB_DIR/$h/agent" 10
  # Task containers first, while the daemon still answers: all containers in a lab daemon are ours.
  if [ -S "$(sock_of "$h")" ] && hdocker "$h" version >/dev/null 2>&1; then
    local ids
    ids=$(hdocker "$h" ps -aq 2>/dev/null || true)
    [ -z "$ids" ] || hdocker "$h" rm -f $ids >/dev/null 2>&1 || true
  fi
  stop_pidfile "$RUN_DIR/$h/dockerd.pid" "$RUN_DIR/$h/exec" 15
  kill_namespace_pids "$ns"
}

down() {
  local purge=${1:-}
  # In parallel: an agent takes about 2 s to end its session and a dockerd 3-4 s to stop.
  local h jobs=""
  for h in $( { ls "$RUN_DIR" 2>/dev/null | grep -E '^h[0-9]+$' || true; host_names; } | sort -u); do
    host_down "$h" &
    jobs="$jobs $!"
  done
  # Only these: a bare `wait` would also wait for the daemons this shell started (failed `up`).
  [ -z "$jobs" ] || wait $jobs
  stop_pidfile "$RUN_DIR/coordinator.pid" "$LAB_DIR/coord/data" 15
  kill_namespace_pids "$(ns_of coord)"
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^$PREFIX-" || true); do
    kill_namespace_pids "$ns"
    ip netns delete "$ns" 2>/dev/null || true
    rm -rf "/etc/netns/$ns"
  done
  ip link show "$BRIDGE" >/dev/null 2>&1 && ip link delete "$BRIDGE" 2>/dev/null || true
  while iptables -C FORWARD -i "$BRIDGE" -o "$BRIDGE" -j ACCEPT 2>/dev/null; do
    iptables -D FORWARD -i "$BRIDGE" -o "$BRIDGE" -j ACCEPT
  done
  rm -rf "$RUN_DIR"
  # The cluster's state goes (every `up` is a fresh cluster); the hosts' image stores stay, so
  # the next `up` does not load 300 MB per host again.
  rm -rf "$LAB_DIR/coord" "$LAB_DIR/client" "$LAB_DIR/lab.env"
  for d in "$LAB_DIR"/h*; do
    [ -d "$d" ] || continue
    rm -rf "$d/agent"
    if [ "$purge" = --purge ]; then rm -rf "$d"; fi
  done
  rm -f "$LAB_DIR/workloads"
}

# ---- up ---------------------------------------------------------------------------------------

network_up() {
  ip link add "$BRIDGE" type bridge
  ip addr add "$NET.1/24" dev "$BRIDGE"
  ip link set "$BRIDGE" up
  # Bridged frames go through iptables (br_netfilter), and a dockerd in the root namespace sets
  # FORWARD to DROP: let the lab's hosts talk to each other.
  iptables -I FORWARD 1 -i "$BRIDGE" -o "$BRIDGE" -j ACCEPT
}

# namespace_up NAME IP: a namespace with one veth on the bridge, no default route.
namespace_up() {
  local name=$1 ip=$2 ns veth
  ns=$(ns_of "$name")
  veth="v${PREFIX:0:8}$name"   # root-namespace names must differ between labs; at most 15 chars
  ip netns add "$ns"
  ip link add "$veth" type veth peer name eth0 netns "$ns"
  ip link set "$veth" master "$BRIDGE" up
  ip -n "$ns" addr add "$ip/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" link set lo up
  # What the host's /etc/hosts and /etc/resolv.conf are inside its namespace (`ip netns exec`
  # and our dockerd's mount namespace see these): its own name, and the cluster DNS.
  mkdir -p "/etc/netns/$ns"
  printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n%s\t%s\n' "$ip" "$name" >"/etc/netns/$ns/hosts"
  printf 'nameserver %s\nsearch default.berth berth\n' "$COORD_IP" >"/etc/netns/$ns/resolv.conf"
}

dockerd_start() {
  local h=$1 ns dir
  ns=$(ns_of "$h")
  dir=$RUN_DIR/$h
  mkdir -p "$dir/exec" "$LAB_DIR/$h/docker"
  # `ip netns exec` remounts /sys and dockerd then dies ("Devices cgroup isn't mounted"). A mount
  # namespace of our own (slave: it still sees the agent's files) with the host's hosts and
  # resolv.conf bound in, then only the network namespace entered, works.
  setsid unshare --mount --propagation slave --uts -- sh -c "
    mount --bind /etc/netns/$ns/hosts /etc/hosts &&
    mount --bind /etc/netns/$ns/resolv.conf /etc/resolv.conf &&
    hostname $h &&
    exec nsenter --net=/run/netns/$ns -- dockerd \
      --data-root $LAB_DIR/$h/docker --exec-root $dir/exec -H unix://$dir/docker.sock \
      --pidfile $dir/dockerd.pid --bridge=none --iptables=false --ip-masq=false \
      --ip-forward=false --userland-proxy=false --cgroup-parent=lab-$h --log-level=warn" \
    >>"$LAB_DIR/$h/dockerd.log" 2>&1 </dev/null &
  # The same process becomes dockerd (each step execs the next): watched while we wait for it.
  echo $! >"$dir/dockerd.launch"
}

dockerd_answers() {
  local h=$1
  kill -0 "$(cat "$RUN_DIR/$h/dockerd.launch")" 2>/dev/null || return 2   # it died: stop waiting
  hdocker "$h" version >/dev/null 2>&1
}

dockerd_wait() {
  local h=$1 deadline=$(( $(date +%s) + 60 )) rc=1
  until [ "$rc" = 0 ] || [ "$rc" = 2 ] || [ "$(date +%s)" -ge "$deadline" ]; do
    rc=0; dockerd_answers "$h" || rc=$?
    [ "$rc" = 0 ] || sleep 0.2
  done
  [ "$rc" = 0 ] || {
    tail -n 20 "$LAB_DIR/$h/dockerd.log" >&2 || true
    die "dockerd of $h did not answer on $(sock_of "$h")"
  }
}

images_load() {
  local h=$1
  # scripts/images.sh imports from the cached rootfs tarballs and skips images already there.
  DOCKER_HOST="unix://$(sock_of "$h")" "$ROOT/scripts/images.sh" busybox java | sed "s/^/[$h] /"
}

coordinator_start() {
  mkdir -p "$LAB_DIR/coord"
  # --dns-upstream none: the lab has no way out (no default route), so names outside the zone
  # are answered at once instead of after a forwarding timeout.
  setsid nsenter --net="/run/netns/$(ns_of coord)" -- "$ROOT/bin/berth" coordinator start --bootstrap \
    --data-dir "$LAB_DIR/coord/data" --bind "$COORD_IP" --config-dir "$LAB_DIR/client" --dns-upstream none \
    >>"$LAB_DIR/coord/coordinator.log" 2>&1 </dev/null &
  echo $! >"$RUN_DIR/coordinator.pid"
  local deadline=$(( $(date +%s) + 120 ))
  until [ -s "$LAB_DIR/coord/data/join-token" ] && grep -q "agent start" "$LAB_DIR/coord/coordinator.log"; do
    # kill -0, not pid_alive: our child may not have exec'd berth yet (a loaded machine), and its
    # pid cannot have been reused while we wait on it.
    if ! kill -0 "$(cat "$RUN_DIR/coordinator.pid")" 2>/dev/null || [ "$(date +%s)" -ge "$deadline" ]; then
      tail -n 30 "$LAB_DIR/coord/coordinator.log" >&2
      die "the coordinator did not come up"
    fi
    sleep 0.3
  done
}

agent_start() {
  local h=$1 n ip token
  n=${h#h}
  ip=$(host_ip "$n")
  token=$(cat "$LAB_DIR/coord/data/join-token")
  mkdir -p "$LAB_DIR/$h/agent"
  # Exactly a user's command line, run inside the host's network namespace.
  setsid nsenter --net="/run/netns/$(ns_of "$h")" -- "$ROOT/bin/berth" agent start \
    --coordinator "$GRPC" --token "$token" --name "$h" --address "$ip" \
    --docker "unix://$(sock_of "$h")" --data-dir "$LAB_DIR/$h/agent" \
    --hosts-file "/etc/netns/$(ns_of "$h")/hosts" \
    >>"$LAB_DIR/$h/agent.log" 2>&1 </dev/null &
  echo $! >"$RUN_DIR/$h/agent.pid"
}

# The lab's own admin credential (written by its coordinator), not the ~/.berth of this machine.
berth() { BERTH_CONFIG_DIR="$LAB_DIR/client" "$ROOT/bin/berth" "$@" --coordinator "$GRPC"; }

# Every named node is listed as ready by `berth node ls`.
nodes_ready() {
  local listing h
  listing=$(berth node ls) || return 1
  for h in "$@"; do
    echo "$listing" | grep -E "^$h " | grep -q " ready" || return 1
  done
}

agents_wait() {
  local h
  # Cheap first: each agent logs when its session is open (a CLI call is a JVM start, and on two
  # cores a poll loop of them slows the agents we wait for). The CLI has the last word.
  for h in "$@"; do
    wait_for 60 grep -q "session open" "$LAB_DIR/$h/agent.log" || true
  done
  wait_for 120 nodes_ready "$@" || {
    for h in "$@"; do echo "--- $h agent.log" >&2; tail -n 15 "$LAB_DIR/$h/agent.log" >&2 || true; done
    berth node ls >&2 || true
    die "nodes $* did not all become ready"
  }
}

write_env() {
  {
    echo "BERTH_LAB_COORDINATOR=$GRPC"
    echo "BERTH_LAB_DNS=$COORD_IP"
    echo "BERTH_LAB_TOKEN=$(cat "$LAB_DIR/coord/data/join-token")"
    echo "BERTH_LAB_HOSTS=\"$(host_names | tr '\n' ' ' | sed 's/ $//')\""
    echo "BERTH_LAB_RUN=$RUN_DIR"
    echo "BERTH_LAB_DIR=$LAB_DIR"
    echo "BERTH_LAB_CONFIG_DIR=$LAB_DIR/client"
  } >"$LAB_DIR/lab.env"
}

up() {
  require_root
  [ -x "$ROOT/bin/berth" ] && [ -f "$ROOT/cli/target/berth-cli.jar" ] || die "build first: mvn -B -DskipTests install"
  local h
  down
  say "leftovers cleared"
  trap 'rc=$?; if [ $rc -ne 0 ]; then echo "lab: up failed (exit $rc); tearing down" >&2; down; fi' EXIT
  mkdir -p "$RUN_DIR" "$LAB_DIR"
  network_up
  namespace_up coord "$COORD_IP"
  for h in $(host_names); do
    namespace_up "$h" "$(host_ip "${h#h}")"
    mkdir -p "$RUN_DIR/$h" "$LAB_DIR/$h"
    : >"$LAB_DIR/$h/dockerd.log"; : >"$LAB_DIR/$h/agent.log"   # this run's logs only
    dockerd_start "$h"
  done
  say "network and namespaces ready"
  coordinator_start   # its JVM starts while the daemons come up
  say "coordinator up on $GRPC"
  for h in $(host_names); do dockerd_wait "$h"; done
  say "$HOSTS dockerds up"
  for h in $(host_names); do images_load "$h"; done
  say "images present on every host"
  # Jobs bind-mount the workloads' jars from here (examples/zookeeper.yaml, spark.yaml).
  ln -sfn "$ROOT/e2e/target/workloads" "$LAB_DIR/workloads"
  for h in $(host_names); do agent_start "$h"; done
  agents_wait $(host_names)
  say "every agent joined and ready"
  write_env
  trap - EXIT
  say "up: coordinator $GRPC (DNS $COORD_IP:53), hosts $(host_names | tr '\n' ' ')"
  say "try: bin/berth node ls --coordinator $GRPC"
}

crash_host() {
  local h=h${1#h} pid
  # The agent and the dockerd die hard ...
  if pid=$(our_pid "$RUN_DIR/$h/agent.pid" "$LAB_DIR/$h/agent"); then kill -9 "$pid" 2>/dev/null || true; fi
  if pid=$(our_pid "$RUN_DIR/$h/dockerd.pid" "$RUN_DIR/$h/exec"); then kill -9 "$pid" 2>/dev/null || true; fi
  # ... and the rest of the host with them: containerd, the shims and the tasks would otherwise
  # keep running (and a ZooKeeper server on a "dead" host would still vote).
  kill_namespace_pids "$(ns_of "$h")"
  rm -f "$RUN_DIR/$h/agent.pid"
  say "$h crashed"
}

start_host() {
  local h=h${1#h}
  kill_namespace_pids "$(ns_of "$h")"
  # A daemon killed with -9 leaves its exec-root (containerd socket, pid files, shim state):
  # the next one would wait for a containerd that is gone.
  rm -rf "$RUN_DIR/$h/exec" "$RUN_DIR/$h/docker.sock" "$RUN_DIR/$h/dockerd.pid"
  dockerd_start "$h"
  dockerd_wait "$h"
  agent_start "$h"
  agents_wait "$h"
  say "$h is back"
}

status() {
  [ -f "$LAB_DIR/lab.env" ] || { say "not up"; return 0; }
  cat "$LAB_DIR/lab.env"
  for h in $(host_names); do
    printf '%s: dockerd %s, agent %s\n' "$h" \
      "$(pid_alive "$RUN_DIR/$h/dockerd.pid" "$RUN_DIR/$h/exec" && echo up || echo down)" \
      "$(pid_alive "$RUN_DIR/$h/agent.pid" "$LAB_DIR/$h/agent" && echo up || echo down)"
  done
  berth node ls || true
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
  up) up ;;
  down) require_root; down "${1:-}"; say "down" ;;
  status) status ;;
  docker) h=h${1#h}; shift; hdocker "$h" "$@" ;;
  crash-host) crash_host "$1" ;;
  start-host) start_host "$1" ;;
  env) cat "$LAB_DIR/lab.env" ;;
  *) sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
