#!/usr/bin/env bash
# Same-run comparison of Berth's DNS server with NSD and Knot serving one 10,000-name zone
# (make-zone.py: 70% A, 10% SRV, 10% PTR, 10% NXDOMAIN), measured with dnsperf -c2 -q100.
#   apt-get install -y dnsperf nsd knot     # once
#   bench/dns/run.sh                        # from the repository root; ROUNDS=3 LENGTH=15 by default
# Per server: the best of ROUNDS maximum-load runs (interleaved, so machine noise hits all alike),
# then ROUNDS interleaved runs at half that rate with per-query latencies: the median round's p99.
# Berth's JVM runs with the coordinator's GC (bin/berth: SerialGC, default heap); the young-GC
# pauses during its latency runs are counted (jstat) so a tail can be told from a pause.
# BERTH_JAVA_OPTS replaces those JVM flags, BERTH_UDP_SOCKETS sets Berth's UDP socket count.
# NICE=-10 (root) runs the servers and dnsperf at that niceness, all alike: on a machine shared
# with other work the latencies then say more about the servers and less about the waits for a CPU.
set -euo pipefail
if [ -n "${NICE:-}" ]; then
  renice -n "$NICE" -p $$ >/dev/null # inherited by everything started below
fi
cd "$(dirname "$0")/../.."
ROUNDS=${ROUNDS:-3}
LENGTH=${LENGTH:-15}
BERTH_PORT=15400 NSD_PORT=15401 KNOT_PORT=15402
for tool in dnsperf nsd knotd java jstat mvn python3; do
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

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
# Keep in step with the coordinator's defaults in bin/berth.
java ${BERTH_JAVA_OPTS:--XX:+UseSerialGC -XX:MetaspaceSize=96m} -cp "dns/target/classes:$(cat "$work/cp.txt")" bench/dns/BenchServer.java \
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
p99() { # port rate -> "p99-ms p50-ms" over one run of per-query latencies
  # Into a file first: sorting while dnsperf runs would take CPU from the run being measured.
  local log
  log=$(mktemp "$work/latencies.XXXXXX") # its own file: the caller reads on before this returns
  dnsperf -s 127.0.0.1 -p "$1" -d "$work/queries.txt" -c2 -q100 -l "$LENGTH" -Q "$2" -v >"$log" 2>&1
  awk '/^> / {print $NF}' "$log" | sort -n |
    awk '{v[NR]=$1} END {printf "%.3f %.3f\n", v[int(NR*0.99)]*1000, v[int(NR*0.5)]*1000}'
  rm -f "$log"
}
young_gcs() { # pid -> "collections milliseconds" of young GC so far
  jstat -gc "$1" | awk 'NR == 2 {for (i = 1; i <= NF; i++) if (h[i] == "YGC") c = $i; else if (h[i] == "YGCT") t = $i; printf "%d %.0f\n", c, t * 1000}
                        NR == 1 {for (i = 1; i <= NF; i++) h[i] = $i}'
}
median() { tr ' ' '\n' | grep . | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

qps "${pid[berth]}" $BERTH_PORT 20 >/dev/null # JIT warm-up for Berth (C2 needs CPU: a loaded machine takes longer)
declare -A best cpu p99s
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
read -r gc_count gc_ms < <(young_gcs "${pid[berth]}")
for round in $(seq 1 "$ROUNDS"); do
  for name in berth nsd knot; do
    port_var="${name^^}_PORT"
    read -r tail mid < <(p99 "${!port_var}" $((best[$name] / 2)))
    echo "latency round $round $name at $((best[$name] / 2)) qps: p99 $tail ms, p50 $mid ms (load $(cut -d' ' -f1 /proc/loadavg))" >&2
    p99s[$name]="${p99s[$name]:-} $tail"
  done
done
read -r gc_count2 gc_ms2 < <(young_gcs "${pid[berth]}")
echo "Berth young GCs during its latency runs: $((gc_count2 - gc_count)), $((gc_ms2 - gc_ms)) ms in all" >&2
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "| server | max qps (best of $ROUNDS x ${LENGTH}s) | server CPU per query (best) | p99 at half the max rate (median of $ROUNDS; all rounds) |"
echo "| --- | --- | --- | --- |"
for name in berth nsd knot; do
  echo "| $name | ${best[$name]} | ${cpu[$name]} us | $(median <<<"${p99s[$name]}") ms at $((best[$name] / 2)) qps (${p99s[$name]# }) |"
done
