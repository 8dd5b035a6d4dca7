#!/usr/bin/env bash
# Issue 8's whole table in one command: every scenario prints its row(s), collected under one header.
#   1-3  ScaleBench: hollow nodes join; one job's placements committed and reported running (3
#        coordinators as real processes); leader kill -9 with every agent connected.
#   4    agent RSS idle and with TASKS real busybox tasks (real agent, real dockerd).
#   5    orchestration overhead: N replicas by `berth job run` vs N parallel `docker run -d` vs Swarm.
# Sizes come from the environment (defaults: the figures docs/BENCHMARKS.md records):
#   NODES=1000 BENCH_TASKS=10000 MEMBERS=3 TASKS=50 N=100 ROUNDS=3 bench/run.sh
#   NODES=10000 BERTH_BENCH_JOIN_RATE=100 bench/run.sh   # agents started 100 a second (default: all at once)
#   SMOKE=1 bench/run.sh         # small sizes, a few minutes: checks the harness, not the figures
# Needs a built tree (mvn -B -DskipTests package), a dockerd and the lab images (scripts/images.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${SMOKE:-0}" = 1 ]; then
  : "${NODES:=50}" "${BENCH_TASKS:=500}" "${TASKS:=5}" "${N:=10}" "${ROUNDS:=1}" "${SETTLE:=5}"
fi
NODES=${NODES:-1000}
BENCH_TASKS=${BENCH_TASKS:-10000}
MEMBERS=${MEMBERS:-3}
export TASKS=${TASKS:-50} N=${N:-100} ROUNDS=${ROUNDS:-3} SETTLE=${SETTLE:-20}
[ -f bench/target/classpath.txt ] || { echo "build first: mvn -B -DskipTests package" >&2; exit 2; }
# The hollow fleet's JVMs: a Java 21+ gives its agents virtual threads (10,000 agents as platform
# threads would pass the kernel's default pid_max). The project itself builds and runs on 17.
if [ -z "${BERTH_BENCH_FLEET_JAVA:-}" ]; then
  for j in /usr/lib/jvm/*/bin/java; do
    v=$("$j" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
    if [ "${v%%.*}" -ge 21 ] 2>/dev/null; then export BERTH_BENCH_FLEET_JAVA=$j; break; fi
  done
fi
echo "hollow fleet runs on ${BERTH_BENCH_FLEET_JAVA:-$(command -v java)}" >&2

rows=$(mktemp)
trap 'rm -f "$rows"' EXIT
# Only table rows reach the table; everything else a scenario prints goes to stderr as progress.
keep_rows() { tee /dev/stderr | grep '^| ' | grep -v '^| scenario |' | grep -v '^| --- |' >>"$rows" || true; }

echo "== scenarios 1-3: ScaleBench $NODES nodes, $BENCH_TASKS tasks, $MEMBERS coordinators" >&2
BERTH_HOME=$PWD java -Xss512k ${BENCH_JAVA_OPTS:-} -cp "bench/target/classes:$(cat bench/target/classpath.txt)" \
  io.berth.bench.ScaleBench "$NODES" "$BENCH_TASKS" "$MEMBERS" 2>&1 | keep_rows
echo "== scenario 4: agent RSS" >&2
bench/scripts/agent-rss.sh 2>&1 | keep_rows
echo "== scenario 5: orchestration overhead" >&2
bench/scripts/overhead.sh 2>&1 | keep_rows

echo
echo "$(date -u +%F), $(nproc) vCPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| scenario | figure | baseline / note |"
echo "| --- | --- | --- |"
awk '!seen[$0]++' "$rows" # ScaleBench prints each row as it goes and again at its end
