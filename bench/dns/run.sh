#!/usr/bin/env bash
# Same-run comparison of Berth's DNS server with NSD and Knot serving one 10,000-name zone
# (make-zone.py: 70% A, 10% SRV, 10% PTR, 10% NXDOMAIN), measured with dnsperf -c2 -q100.
#   apt-get install -y dnsperf nsd knot     # once
#   bench/dns/run.sh                        # from the repository root; ROUNDS=3 LENGTH=15 by default
# Per server: the best of ROUNDS maximum-load runs (interleaved, so machine noise hits all alike),
# then one run at half that rate with per-query latencies for the p99.
# BERTH_JAVA_OPTS adds JVM flags, BERTH_UDP_SOCKETS sets Berth's UDP socket count (default: cores).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${ROUNDS:-3}
LENGTH=${LENGTH:-15}
BERTH_PORT=15400 NSD_PORT=15401 KNOT_PORT=15402
for tool in dnsperf nsd knotd java mvn python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install -y dnsperf nsd knot" >&2; exit 1; }
done
work=$(mktemp -d /tmp/berth-dns-bench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

python3 bench/dns/make-zone.py "$work"
mvn -B -q -pl dns compile dependency:build-classpath -Dmdep.outputFile="$work/cp.txt" >/dev/null

java -Xms512m -Xmx512m ${BERTH_JAVA_OPTS:-} -cp "dns/target/classes:$(cat "$work/cp.txt")" bench/dns/BenchServer.java \
  "$BERTH_PORT" "$work/berth.zone" "$work/10.in-addr.arpa.zone" >"$work/berth.log" 2>&1 &
pids+=($!)
declare -A pid
pid[berth]=$!

mkdir -p "$work/nsd" "$work/knot"
cat >"$work/nsd/nsd.conf" <<CONF
server:
  ip-address: 127.0.0.1@$NSD_PORT
  server-count: 2
  username: ""
  chroot: ""
  zonesdir: "$work"
  database: ""
  pidfile: "$work/nsd/nsd.pid"
  xfrdfile: "$work/nsd/xfrd.state"
  zonelistfile: "$work/nsd/zone.list"
  logfile: "$work/nsd/nsd.log"
  rrl-ratelimit: 0
remote-control:
  control-enable: no
zone:
  name: berth.
  zonefile: berth.zone
zone:
  name: 10.in-addr.arpa.
  zonefile: 10.in-addr.arpa.zone
CONF
nsd -d -c "$work/nsd/nsd.conf" >"$work/nsd/out.log" 2>&1 &
pids+=($!)
pid[nsd]=$!

cat >"$work/knot/knot.conf" <<CONF
server:
  listen: 127.0.0.1@$KNOT_PORT
  rundir: "$work/knot"
database:
  storage: "$work/knot"
log:
  - target: stderr
    any: warning
template:
  - id: default
    storage: "$work"
zone:
  - domain: berth.
    file: berth.zone
  - domain: 10.in-addr.arpa.
    file: 10.in-addr.arpa.zone
CONF
knotd -c "$work/knot/knot.conf" >"$work/knot/out.log" 2>&1 &
pids+=($!)
pid[knot]=$!

# Wait until each answers (the JVM needs a few seconds), not a fixed sleep.
for port in $BERTH_PORT $NSD_PORT $KNOT_PORT; do
  for _ in $(seq 1 120); do
    dig +short +time=1 +tries=1 @127.0.0.1 -p "$port" 0.web.j0.default.berth A | grep -q . && break
    sleep 0.5
  done
done

# CPU time (clock ticks) a server and its child processes have used: a figure that other load
# on a shared machine disturbs far less than queries per second.
cpu_ticks() {
  local total=0 p rest
  for p in $(descendants "$1"); do
    rest=$(sed 's/.*) //' "/proc/$p/stat") # the command name may hold spaces: skip past it
    total=$((total + $(awk '{print $12 + $13}' <<<"$rest")))
  done
  echo "$total"
}
descendants() {
  local c
  echo "$1"
  for c in $(pgrep -P "$1" || true); do descendants "$c"; done
}
qps() { # pid port seconds -> "qps cpu-microseconds-per-query"
  local before out
  before=$(cpu_ticks "$1")
  out=$(dnsperf -s 127.0.0.1 -p "$2" -d "$work/queries.txt" -c2 -q100 -l "$3" 2>&1)
  awk -v ticks=$(($(cpu_ticks "$1") - before)) -v hz="$(getconf CLK_TCK)" '
    /Queries completed/ {done=$3} /Queries per second/ {rate=int($4)}
    END {printf "%d %.1f\n", rate, ticks / hz * 1e6 / done}' <<<"$out"
}
p99() { # port rate -> p99 latency in ms, and the share of queries lost
  dnsperf -s 127.0.0.1 -p "$1" -d "$work/queries.txt" -c2 -q100 -l "$LENGTH" -Q "$2" -v 2>&1 |
    awk '/^> / {print $NF}' | sort -n |
    awk '{v[NR]=$1} END {printf "%.3f", v[int(NR*0.99)]*1000}'
}

qps "${pid[berth]}" $BERTH_PORT 10 >/dev/null # JIT warm-up for Berth
declare -A best cpu
for round in $(seq 1 "$ROUNDS"); do
  for name in berth nsd knot; do
    port_var="${name^^}_PORT"
    read -r q c < <(qps "${pid[$name]}" "${!port_var}" "$LENGTH")
    echo "round $round $name: $q qps, $c us CPU/query" >&2
    if [ "${best[$name]:-0}" -lt "$q" ]; then best[$name]=$q; fi
    if [ -z "${cpu[$name]:-}" ] || awk -v a="$c" -v b="${cpu[$name]}" 'BEGIN {exit !(a < b)}'; then
      cpu[$name]=$c
    fi
  done
done
echo "| server | max qps (best of $ROUNDS x ${LENGTH}s) | server CPU per query (best) | p99 at half the max rate |"
echo "| --- | --- | --- | --- |"
for name in berth nsd knot; do
  port_var="${name^^}_PORT"
  half=$((best[$name] / 2))
  echo "| $name | ${best[$name]} | ${cpu[$name]} us | $(p99 "${!port_var}" "$half") ms at $half qps |"
done
