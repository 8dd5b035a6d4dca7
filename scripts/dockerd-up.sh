#!/bin/sh
# Starts a Docker daemon on this machine unless one already answers on the socket.
# Idempotent: safe to run any number of times. The Debian package does not start dockerd here
# (policy-rc.d forbids service starts), so we run it ourselves in the background.
#
# Environment (all optional):
#   DOCKER_SOCK       socket path                  (default /var/run/docker.sock)
#   DOCKER_DATA_ROOT  dockerd --data-root          (default /var/lib/docker)
#   DOCKER_EXEC_ROOT  dockerd --exec-root          (default /var/run/docker)
#   DOCKER_PIDFILE    dockerd --pidfile            (default /var/run/berth-dockerd.pid)
#   DOCKER_LOG        where dockerd's output goes  (default /var/log/berth-dockerd.log)
#   DOCKER_WAIT_SECS  how long to wait for it      (default 30)
#   DOCKERD_EXTRA_ARGS more dockerd flags, word-split
#   DOCKERD_WRAPPER   a command prefix, word-split, e.g. "unshare --net --" to give a second
#                     daemon a network namespace of its own
#
# A second daemon beside the machine's one: give it its own socket, roots and pidfile, and
#   DOCKERD_WRAPPER="unshare --net --" DOCKERD_EXTRA_ARGS="--bridge=none --iptables=false"
# Never pass --bridge=none to a daemon in the root network namespace: a daemon with the bridge
# disabled deletes the interface docker0 at startup, breaking the first daemon's bridge networks.
set -eu
# shellcheck disable=SC2086  # EXTRA_ARGS and WRAPPER are meant to be word-split

SOCK=${DOCKER_SOCK:-/var/run/docker.sock}
DATA_ROOT=${DOCKER_DATA_ROOT:-/var/lib/docker}
EXEC_ROOT=${DOCKER_EXEC_ROOT:-/var/run/docker}
PIDFILE=${DOCKER_PIDFILE:-/var/run/berth-dockerd.pid}
LOG=${DOCKER_LOG:-/var/log/berth-dockerd.log}
WAIT_SECS=${DOCKER_WAIT_SECS:-30}
EXTRA_ARGS=${DOCKERD_EXTRA_ARGS:-}
WRAPPER=${DOCKERD_WRAPPER:-}

# /usr/local/bin/docker may be a newer client shadowing the distribution's one; prefer the
# client that matches the daemon when it is there.
if [ -x /usr/bin/docker ]; then DOCKER=/usr/bin/docker; else DOCKER=docker; fi

answers() {
  "$DOCKER" -H "unix://$SOCK" version >/dev/null 2>&1
}

if answers; then
  echo "dockerd-up: docker already answers on $SOCK"
  exit 0
fi

if ! command -v dockerd >/dev/null 2>&1 && [ ! -x /usr/sbin/dockerd ]; then
  echo "dockerd-up: dockerd is not installed (apt-get install -y docker.io)" >&2
  exit 1
fi
DOCKERD=$(command -v dockerd 2>/dev/null || echo /usr/sbin/dockerd)

# A live dockerd from our pidfile that is not answering yet is still starting: wait for it rather
# than start a second one on the same data root. Anything else behind the pidfile (a dead or
# unreaped daemon, a reused pid) means the file is stale: dockerd refuses to start while it exists.
is_live_dockerd() {
  [ -r "/proc/$1/cmdline" ] || return 1
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null || echo Z)
  [ "$state" != Z ] && [ "$state" != X ] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -q dockerd
}

start_daemon() {
  rm -f "$PIDFILE"
  mkdir -p "$DATA_ROOT" "$EXEC_ROOT" "$(dirname "$LOG")" "$(dirname "$SOCK")"
  echo "dockerd-up: starting $DOCKERD (data-root $DATA_ROOT, log $LOG)"
  # setsid + nohup: the daemon must outlive the shell (and the CI step) that started it.
  setsid nohup $WRAPPER "$DOCKERD" \
      --data-root "$DATA_ROOT" \
      --exec-root "$EXEC_ROOT" \
      -H "unix://$SOCK" \
      --pidfile "$PIDFILE" \
      $EXTRA_ARGS \
      >>"$LOG" 2>&1 </dev/null &
  running_pid=$!
}

running_pid=""
pid=$(cat "$PIDFILE" 2>/dev/null || true)
if [ -n "$pid" ] && is_live_dockerd "$pid"; then
  running_pid=$pid
  echo "dockerd-up: dockerd (pid $pid) is running but not answering yet; waiting"
else
  start_daemon
fi

# One fresh start is allowed when a daemon dies while starting (e.g. the one we waited for was
# being torn down, or leftovers of a killed daemon were still being cleaned up).
restarts=1
deadline=$(( $(date +%s) + WAIT_SECS ))
while [ "$(date +%s)" -lt "$deadline" ]; do
  if answers; then
    echo "dockerd-up: docker answers on $SOCK ($("$DOCKER" -H "unix://$SOCK" version --format '{{.Server.Version}}' 2>/dev/null))"
    exit 0
  fi
  if ! kill -0 "$running_pid" 2>/dev/null || ! is_live_dockerd "$running_pid"; then
    if [ "$restarts" -gt 0 ]; then
      restarts=$((restarts - 1))
      echo "dockerd-up: dockerd (pid $running_pid) is gone before answering; starting a fresh one"
      sleep 1
      start_daemon
      deadline=$(( $(date +%s) + WAIT_SECS ))
      continue
    fi
    echo "dockerd-up: dockerd exited during startup; last lines of $LOG:" >&2
    tail -n 20 "$LOG" >&2 || true
    exit 1
  fi
  sleep 0.3
done

echo "dockerd-up: dockerd did not answer on $SOCK within ${WAIT_SECS}s; last lines of $LOG:" >&2
tail -n 20 "$LOG" >&2 || true
exit 1
