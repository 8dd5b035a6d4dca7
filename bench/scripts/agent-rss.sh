#!/usr/bin/env bash
# Agent memory on one real node (issue 8, scenario 4): the resident set of the real agent process
# as install.sh installs it (the bundle's bin/berth-agent: its jlink runtime, jars and default JVM
# options) idle, and with TASKS busybox tasks running on the real dockerd; dockerd's own RSS is
# read in the same run as the baseline a node pays anyway. RSS is the figure of the target; the
# second line adds PSS and private memory (smaps_rollup): RSS counts the file-backed pages of
# libjvm and the CDS archive in full, though they are clean and could be shared.
# Needs a built tree (mvn -B -DskipTests package), a dockerd and lab/busybox:1.
#   TASKS=50 bench/scripts/agent-rss.sh
#   AGENT_CMD="bin/berth agent" bench/scripts/agent-rss.sh   # the checkout's agent on the JDK
set -euo pipefail
cd "$(dirname "$0")/../.."
TASKS=${TASKS:-50}
SETTLE=${SETTLE:-20}
NODE=rss-node
export AGENT_CMD=${AGENT_CMD:-bundle/target/berth-agent/bin/berth-agent}
[ -x "${AGENT_CMD%% *}" ] || { echo "agent-rss: no ${AGENT_CMD%% *}: run mvn -B -DskipTests package" >&2; exit 1; }
# The class archive install.sh dumps for the installed bundle (SHARE=0 measures without it).
case "$AGENT_CMD" in
  */berth-agent) [ "${SHARE:-1}" = 0 ] || "$AGENT_CMD" share-classes ;;
esac
trap 'stop_one_node_cluster' EXIT
. bench/scripts/one-node-cluster.sh

rss_mib() { awk '/^VmRSS:/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }
# PSS and private (clean + dirty) of the whole process, in MiB.
pss_private_mib() {
  awk '/^Pss:/ {p = $2} /^Private_(Clean|Dirty):/ {q += $2} END {printf "%.1f / %.1f", p / 1024, q / 1024}' \
    "/proc/$1/smaps_rollup"
}
dockerd_pid=$(pidof dockerd | awk '{print $1}')

sleep "$SETTLE" # idle means after the start-up work: JIT and the first resyncs are done
idle=$(rss_mib "$AGENT_PID")
idle_pp=$(pss_private_mib "$AGENT_PID")
dockerd_idle=$(rss_mib "$dockerd_pid")

cat >"$WORK/rss.yaml" <<YAML
name: rss
groups:
  - name: w
    count: $TASKS
    image: lab/busybox:1
    resources: {cpu: 10m, memory: 16Mi}
    command: [/bin/sh, -c, 'trap "exit 0" TERM; while true; do sleep 1; done']
YAML
bin/berth job run -f "$WORK/rss.yaml" >/dev/null
until [ "$(docker ps -q --filter label=berth.job=rss --filter status=running | wc -l)" = "$TASKS" ]; do sleep 0.5; done
sleep "$SETTLE" # a few heartbeats and resyncs with all tasks running
busy=$(rss_mib "$AGENT_PID")
busy_pp=$(pss_private_mib "$AGENT_PID")
dockerd_busy=$(rss_mib "$dockerd_pid")
bin/berth job stop rss >/dev/null

echo "| agent RSS, idle / $TASKS tasks running | ${idle} MiB / ${busy} MiB | dockerd, same run: ${dockerd_idle} MiB / ${dockerd_busy} MiB (agent/dockerd ${idle}/${dockerd_idle} = $(echo "scale=2; $idle / $dockerd_idle" | bc)) |"
echo "| agent PSS / private, idle; $TASKS tasks running | ${idle_pp} MiB; ${busy_pp} MiB | ($AGENT_CMD) |"
