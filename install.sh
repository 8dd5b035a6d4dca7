#!/bin/sh
# Berth's installer: makes this host a node of a Berth cluster. A coordinator serves it:
#
#   curl -sfL http://COORDINATOR:7080/install.sh | sh -s - --token BERTH1-<ca-sha256>-<secret>
#
# Options: --token T (required)  --name N (default: the host name)  --labels k=v,...
#          --address IP (default: the agent's choice, the first non-loopback IPv4)
#          --prefix DIR (default /opt/berth)  --data-dir DIR (default /var/lib/berth-agent)
#          --docker URI (default unix:///var/run/docker.sock)  --timeout SECONDS (default 180)
#          --server HOST:PORT (the coordinator's HTTP address; filled in when it serves this file)
#          --uninstall (removes everything this script added, and the node's containers)
#
# Order, so that a wrong token or a wrong server costs nothing: the token is parsed; the cluster
# CA is fetched and its sha256 checked against the token BEFORE anything else is downloaded or
# trusted; Docker must answer; the agent bundle (the agent and its own Java runtime) comes over
# TLS checked against that CA, and its checksum is verified; then it is installed under the
# prefix, started under systemd (Restart=always) or, without systemd, under a small supervisor
# loop with a pid file, and the script waits until the coordinator reports the node ready.
# Running it again upgrades in place (one agent, never two). Needs: POSIX sh, curl or wget, tar,
# gzip, sha256sum, base64.
set -eu

# Filled in by the coordinator that serves this script (GET /install.sh):
SERVED_FROM=''  # @berth:served-from
SERVED_COORDINATORS=''  # @berth:coordinators

TOKEN=''
NAME=''
LABELS=''
ADDRESS=''
PREFIX=/opt/berth
DATA_DIR=/var/lib/berth-agent
DOCKER=unix:///var/run/docker.sock
TIMEOUT=180
UNINSTALL=''
SERVER=$SERVED_FROM
UNIT=/etc/systemd/system/berth-agent.service

say() { echo "berth install: $*"; }
die() { echo "berth install: error: $*" >&2; exit 1; }

usage() {
  sed -n '2,12p' "$0" 2>/dev/null | sed 's/^# \{0,1\}//' >&2 || true
  die "$1"
}

while [ $# -gt 0 ]; do
  opt=$1
  case "$opt" in
    --uninstall) UNINSTALL=1; shift; continue ;;
    -h|--help) usage "see the options above" ;;
    --*=*) set -- "${opt%%=*}" "${opt#*=}" "$@"; shift; continue ;;
  esac
  [ $# -ge 2 ] || usage "$opt needs a value"
  case "$opt" in
    --token) TOKEN=$2 ;;
    --name) NAME=$2 ;;
    --labels) LABELS=$2 ;;
    --address) ADDRESS=$2 ;;
    --prefix) PREFIX=$2 ;;
    --data-dir) DATA_DIR=$2 ;;
    --docker) DOCKER=$2 ;;
    --timeout) TIMEOUT=$2 ;;
    --server) SERVER=$2 ;;
    *) usage "unknown option $opt" ;;
  esac
  shift 2
done

has() { command -v "$1" >/dev/null 2>&1; }

if [ -z "$UNINSTALL" ]; then
  missing=''
  for tool in tar gzip sha256sum base64 sed grep cut uname; do has "$tool" || missing="$missing $tool"; done
  has curl || has wget || missing="$missing curl-or-wget"
  [ -z "$missing" ] || die "missing on this host:$missing (e.g. apt-get install -y curl tar gzip coreutils sed grep)"
fi

case "$PREFIX" in /?*) ;; *) die "--prefix must be an absolute path, not '$PREFIX'" ;; esac
case "$DATA_DIR" in /?*) ;; *) die "--data-dir must be an absolute path, not '$DATA_DIR'" ;; esac
case "$TIMEOUT" in ''|*[!0-9]*) die "--timeout must be a number of seconds" ;; esac
[ -n "$NAME" ] || NAME=$(cat /proc/sys/kernel/hostname 2>/dev/null || uname -n)
case "$NAME" in ''|*[!A-Za-z0-9._-]*|[!A-Za-z0-9]*) die "node name '$NAME' is not a DNS label: give --name" ;; esac

RUN_DIR=$PREFIX/run
LOG=$PREFIX/agent.log
SUPERVISOR_PID=$RUN_DIR/supervisor.pid
AGENT_PID=$RUN_DIR/agent.pid

# ---- what is on this host ----------------------------------------------------------------------

systemd_runs() { [ "$(cat /proc/1/comm 2>/dev/null || true)" = systemd ] && has systemctl; }

# The pid in a pid file, if it is still our process (pids are reused; never signal a stranger).
our_pid() {
  pid=$(cat "$1" 2>/dev/null || true)
  case "$pid" in ''|*[!0-9]*) return 1 ;; esac
  [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "$2" && echo "$pid"
}

# Running, not a zombie (in a container whose PID 1 reaps nothing, a dead process stays a zombie).
alive() {
  [ -r "/proc/$1/stat" ] || return 1
  state=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)
  [ -n "$state" ] && [ "$state" != Z ]
}

# TERM, up to 20 s to finish, then KILL.
end_process() {
  kill "$1" 2>/dev/null || true
  i=0
  while alive "$1" && [ $i -lt 100 ]; do sleep 0.2; i=$((i + 1)); done
  if alive "$1"; then kill -9 "$1" 2>/dev/null || true; fi
}

docker_socket() {
  case "$DOCKER" in unix://*) echo "${DOCKER#unix://}" ;; *) echo "" ;; esac
}

# ---- stopping and removing ---------------------------------------------------------------------

stop_agent() {
  if [ -f "$UNIT" ] && has systemctl; then
    systemctl disable --now berth-agent.service >/dev/null 2>&1 || true
  fi
  if pid=$(our_pid "$SUPERVISOR_PID" berth-agent-supervise); then
    end_process "$pid"
  fi
  # An agent whose supervisor died hard (kill -9) would otherwise linger as a second agent.
  if pid=$(our_pid "$AGENT_PID" "$PREFIX/agent/"); then
    end_process "$pid"
  fi
  rm -f "$SUPERVISOR_PID" "$AGENT_PID"
}

# The node's task containers (label berth.agent=NAME), through the Docker API: they were
# started for this node, and nothing would stop them once the agent is gone.
remove_containers() {
  sock=$(docker_socket)
  [ -n "$sock" ] && [ -S "$sock" ] && has curl || {
    say "note: the node's containers (label berth.agent=$1) were left on Docker; remove them with docker rm -f"
    return 0
  }
  ids=$(curl -s --unix-socket "$sock" -G "http://docker/containers/json" --data-urlencode all=1 \
    --data-urlencode "filters={\"label\":[\"berth.agent=$1\"]}" | grep -o '"Id":"[0-9a-f]*"' | cut -d'"' -f4 || true)
  for id in $ids; do
    curl -s -o /dev/null --unix-socket "$sock" -X DELETE "http://docker/containers/$id?force=1" || true
  done
  [ -z "$ids" ] || say "removed the node's containers: $(echo "$ids" | wc -l | tr -d ' ')"
}

uninstall() {
  installed_name=$NAME
  if [ -f "$PREFIX/agent.env" ]; then
    # shellcheck disable=SC1091
    installed_name=$(. "$PREFIX/agent.env" && echo "$BERTH_NODE")
    DATA_DIR=$(. "$PREFIX/agent.env" && echo "$BERTH_DATA_DIR")
    DOCKER=$(. "$PREFIX/agent.env" && echo "$BERTH_DOCKER")
  fi
  stop_agent
  if [ -f "$UNIT" ]; then
    rm -f "$UNIT"
    systemctl daemon-reload >/dev/null 2>&1 || true
  fi
  remove_containers "$installed_name"
  rm -rf "$PREFIX"
  # A data dir that is a mount point stays, emptied.
  rm -rf "$DATA_DIR" 2>/dev/null || find "$DATA_DIR" -mindepth 1 -delete 2>/dev/null || true
  say "uninstalled: the agent, $PREFIX and $DATA_DIR are gone (node $installed_name stays listed as down until removed from the cluster)"
}

if [ -n "$UNINSTALL" ]; then
  [ "$(id -u)" = 0 ] || die "run as root (the agent is installed under $PREFIX)"
  uninstall
  exit 0
fi

# ---- checks before anything is downloaded ------------------------------------------------------

[ "$(id -u)" = 0 ] || die "run as root (the agent is installed under $PREFIX and drives Docker)"

[ -n "$TOKEN" ] || usage "--token is required (the coordinator printed it at bootstrap; also in its data dir, file join-token)"
rest=${TOKEN#BERTH1-}
CA_HASH=${rest%%-*}
SECRET=${rest#*-}
if [ "$rest" = "$TOKEN" ] || [ ${#CA_HASH} -ne 64 ] || [ -z "$SECRET" ] || [ "$SECRET" = "$rest" ]; then
  die "this is not a join token: expected BERTH1-<64 hex digits>-<secret>"
fi
case "$CA_HASH" in *[!0-9a-f]*) die "this is not a join token: the part after BERTH1- must be 64 lower-case hex digits" ;; esac

[ -n "$SERVER" ] || die "which coordinator? give --server HOST:7080 (or pipe this script from curl http://HOST:7080/install.sh)"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/berth-install.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM

# fetch URL FILE [CA]: 0 on success; otherwise prints why and returns non-zero.
fetch() {
  if has curl; then
    if [ -n "${3:-}" ]; then set -- "$1" "$2" --cacert "$3"; else set -- "$1" "$2"; fi
    url=$1 out=$2; shift 2
    rc=0; curl -fsS --connect-timeout 10 --retry 2 "$@" -o "$out" "$url" 2>"$TMP/fetch.err" || rc=$?
    [ $rc = 0 ] || echo "$(cat "$TMP/fetch.err") (curl exit $rc)" >"$TMP/fetch.err"
    return $rc
  fi
  if [ -n "${3:-}" ]; then set -- "$1" "$2" "--ca-certificate=$3"; else set -- "$1" "$2"; fi
  url=$1 out=$2; shift 2
  rc=0; wget -q -T 10 -t 2 "$@" -O "$out" "$url" 2>"$TMP/fetch.err" || rc=$?
  [ $rc = 0 ] || echo "$(cat "$TMP/fetch.err") (wget exit $rc)" >"$TMP/fetch.err"
  return $rc
}

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# The CA's fingerprint as the token has it: the sha256 of the certificate itself (DER), what
# `openssl x509 -noout -fingerprint -sha256` shows; base64 (coreutils) turns the PEM into DER.
ca_fingerprint() {
  sed -n '/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/p' "$1" | grep -v -- '-----' |
    base64 -d >"$TMP/ca.der" 2>/dev/null && [ -s "$TMP/ca.der" ] && sha256_of "$TMP/ca.der"
}

say "fetching the cluster CA from http://$SERVER/ca.crt"
fetch "http://$SERVER/ca.crt" "$TMP/ca.crt" ||
  die "cannot reach the coordinator at http://$SERVER/: $(cat "$TMP/fetch.err"). Is it running, and is its HTTP port (7080) reachable from here?"
CA_GOT=$(ca_fingerprint "$TMP/ca.crt") || die "http://$SERVER/ca.crt is not a PEM certificate: is $SERVER a Berth coordinator?"
[ "$CA_GOT" = "$CA_HASH" ] ||
  die "wrong token for this cluster: the CA served by $SERVER has sha256 $CA_GOT, the token pins $CA_HASH. Nothing was downloaded or installed; check the token (or that $SERVER is your coordinator)."
say "cluster CA matches the token"

if [ -z "$SERVED_COORDINATORS" ]; then
  # This copy was not served by a coordinator: ask one for the cluster's gRPC endpoints.
  fetch "http://$SERVER/install.sh" "$TMP/served.sh" || die "cannot fetch http://$SERVER/install.sh: $(cat "$TMP/fetch.err")"
  SERVED_COORDINATORS=$(sed -n "s/^SERVED_COORDINATORS='\([^']*\)'.*/\1/p" "$TMP/served.sh")
  [ -n "$SERVED_COORDINATORS" ] || die "http://$SERVER/install.sh names no coordinators"
fi

sock=$(docker_socket)
if [ -n "$sock" ]; then
  [ -S "$sock" ] || die "no Docker engine: $sock does not exist. Install Docker (e.g. apt-get install -y docker.io) and start it, or give --docker URI"
  if has curl; then
    ping=$(curl -s --max-time 10 --unix-socket "$sock" http://docker/_ping 2>/dev/null || true)
    [ "$ping" = OK ] || die "the Docker engine on $sock does not answer (is dockerd running?)"
  fi
fi

# ---- the bundle, over TLS with the pinned CA ----------------------------------------------------

ARCH=$(uname -m)
BUNDLE=berth-agent-linux-$ARCH.tar.gz
HTTPS=https://$SERVER/agent/$BUNDLE
fetch "$HTTPS.sha256" "$TMP/bundle.sha256" "$TMP/ca.crt" ||
  die "cannot fetch $HTTPS.sha256 over TLS: $(cat "$TMP/fetch.err")"
WANT=$(cut -d' ' -f1 "$TMP/bundle.sha256")
case "$WANT" in ''|*[!0-9a-f]*) die "$HTTPS.sha256 is not a sha256 checksum" ;; esac

HAVE=$(cat "$PREFIX/agent.sha256" 2>/dev/null || true)
if [ "$HAVE" = "$WANT" ] && [ -x "$PREFIX/agent/bin/berth-agent" ]; then
  say "the agent bundle is current ($WANT)"
  NEW_BUNDLE=''
else
  say "downloading $HTTPS"
  fetch "$HTTPS" "$TMP/$BUNDLE" "$TMP/ca.crt" || die "cannot download $HTTPS: $(cat "$TMP/fetch.err")"
  GOT=$(sha256_of "$TMP/$BUNDLE")
  [ "$GOT" = "$WANT" ] || die "the downloaded bundle has sha256 $GOT, but $SERVER says $WANT: not installed"
  mkdir -p "$TMP/unpack"
  tar -xzf "$TMP/$BUNDLE" -C "$TMP/unpack" || die "cannot unpack $BUNDLE"
  [ -x "$TMP/unpack/berth-agent/bin/berth-agent" ] || die "$BUNDLE has no berth-agent/bin/berth-agent"
  NEW_BUNDLE=$TMP/unpack/berth-agent
fi

# ---- install ------------------------------------------------------------------------------------

mkdir -p "$PREFIX/bin" "$RUN_DIR" "$DATA_DIR"
chmod 755 "$PREFIX"

# The agent's whole command line lives in one root-only file (the token is a secret): systemd
# and the supervisor both run it.
{
  echo "BERTH_NODE='$NAME'"
  echo "BERTH_DATA_DIR='$DATA_DIR'"
  echo "BERTH_DOCKER='$DOCKER'"
} >"$TMP/agent.env"
# Whether the agent checks the coordinators against the cluster CA (--ca-file): asked of a new
# bundle once (a JVM start); for the installed one, its command line already says.
CA_FILE_OPTION=''
if [ -n "$NEW_BUNDLE" ]; then
  if "$NEW_BUNDLE/bin/berth-agent" start --help 2>/dev/null | grep -q -- '--ca-file'; then CA_FILE_OPTION=1; fi
elif grep -q -- '--ca-file' "$PREFIX/bin/berth-agent-run" 2>/dev/null; then
  CA_FILE_OPTION=1
fi
quote() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
{
  echo '#!/bin/sh'
  echo '# Written by install.sh: the agent of this node, in the foreground.'
  printf 'exec %s start --coordinator %s --token %s --name %s --data-dir %s --docker %s' \
    "$(quote "$PREFIX/agent/bin/berth-agent")" "$(quote "$SERVED_COORDINATORS")" \
    "$(quote "$TOKEN")" "$(quote "$NAME")" "$(quote "$DATA_DIR")" "$(quote "$DOCKER")"
  [ -z "$LABELS" ] || printf ' --labels %s' "$(quote "$LABELS")"
  [ -z "$ADDRESS" ] || printf ' --address %s' "$(quote "$ADDRESS")"
  # The CA verified above against the token.
  [ -z "$CA_FILE_OPTION" ] || printf ' --ca-file %s' "$(quote "$PREFIX/ca.crt")"
  echo
} >"$TMP/berth-agent-run"

# The supervisor for hosts without systemd: restarts the agent when it exits, stops it with itself.
cat >"$TMP/berth-agent-supervise" <<EOF
#!/bin/sh
# Written by install.sh: keeps this node's agent running (hosts without systemd).
echo \$\$ >'$SUPERVISOR_PID'
child=''
stop=''
# On TERM: pass it to the agent, let it end its session, then exit (no restart).
trap 'stop=1; [ -z "\$child" ] || kill "\$child" 2>/dev/null' TERM
while [ -z "\$stop" ]; do
  '$PREFIX/bin/berth-agent-run' &
  child=\$!
  echo "\$child" >'$AGENT_PID'
  # A trapped signal ends wait early: wait again until the agent has really exited.
  while kill -0 "\$child" 2>/dev/null; do wait "\$child" 2>/dev/null || true; done
  [ -z "\$stop" ] || break
  echo "berth-agent-supervise: the agent exited; starting it again in 2 s" >&2
  sleep 2
done
rm -f '$AGENT_PID' '$SUPERVISOR_PID'
EOF

CHANGED=''
[ -z "$NEW_BUNDLE" ] || CHANGED=1
cmp -s "$TMP/berth-agent-run" "$PREFIX/bin/berth-agent-run" 2>/dev/null || CHANGED=1
cmp -s "$TMP/ca.crt" "$PREFIX/ca.crt" 2>/dev/null || CHANGED=1
cmp -s "$TMP/berth-agent-supervise" "$PREFIX/bin/berth-agent-supervise" 2>/dev/null || CHANGED=1

if [ -n "$CHANGED" ]; then
  stop_agent
  if [ -n "$NEW_BUNDLE" ]; then
    rm -rf "$PREFIX/agent.old"
    [ ! -d "$PREFIX/agent" ] || mv "$PREFIX/agent" "$PREFIX/agent.old"
    mv "$NEW_BUNDLE" "$PREFIX/agent"
    rm -rf "$PREFIX/agent.old"
    echo "$WANT" >"$PREFIX/agent.sha256"
  fi
  cp "$TMP/ca.crt" "$PREFIX/ca.crt"
  (umask 077 && cp "$TMP/berth-agent-run" "$PREFIX/bin/berth-agent-run")
  chmod 700 "$PREFIX/bin/berth-agent-run"
  cp "$TMP/agent.env" "$PREFIX/agent.env"
  # A new file, not rewritten in place: a shell reads its script as it runs.
  chmod 755 "$TMP/berth-agent-supervise"
  mv -f "$TMP/berth-agent-supervise" "$PREFIX/bin/berth-agent-supervise"
fi
# The agent's class archive, dumped for the installed bundle's own paths (the JVM accepts it only
# there): ~3 MiB less memory for the agent and a faster start. Once per bundle, a few seconds; the
# agent runs without it if this fails. Bundles from before it have no class list.
if [ -f "$PREFIX/agent/cds/agent.classlist" ] && [ ! -f "$PREFIX/agent/cds/agent.jsa" ]; then
  say "dumping the agent's class archive"
  "$PREFIX/agent/bin/berth-agent" share-classes || say "no class archive: the agent runs without it"
fi


running() {
  if systemd_runs; then systemctl is-active --quiet berth-agent.service; else our_pid "$SUPERVISOR_PID" berth-agent-supervise >/dev/null; fi
}

RESTARTED=''
LOG_MARK=0
[ ! -f "$LOG" ] || LOG_MARK=$(wc -c <"$LOG")
START_TIME=$(date +%s)
if [ -n "$CHANGED" ] || ! running; then
  RESTARTED=1
  if systemd_runs; then
    cat >"$UNIT" <<EOF
[Unit]
Description=Berth agent (node $NAME)
After=network-online.target docker.service
Wants=network-online.target

[Service]
ExecStart=$PREFIX/bin/berth-agent-run
Restart=always
RestartSec=2
KillMode=mixed

[Install]
WantedBy=multi-user.target
EOF
    systemctl daemon-reload
    systemctl enable berth-agent.service >/dev/null 2>&1
    systemctl restart berth-agent.service
    say "agent started by systemd (berth-agent.service); logs: journalctl -u berth-agent"
  else
    stop_agent
    # setsid: the supervisor outlives this script and the terminal that ran it.
    if has setsid; then SETSID=setsid; else SETSID=''; fi
    $SETSID nohup "$PREFIX/bin/berth-agent-supervise" >>"$LOG" 2>&1 </dev/null &
    say "agent started under $PREFIX/bin/berth-agent-supervise (pid file $SUPERVISOR_PID); log: $LOG"
  fi
else
  say "the agent is current and running: nothing to restart"
fi

# ---- wait until the coordinator reports the node ready ------------------------------------------

# A restarted agent must have opened its own session: the node may still be listed as ready
# from the agent it replaced.
session_opened() {
  [ -n "$RESTARTED" ] || return 0
  if systemd_runs; then
    journalctl -u berth-agent.service --since "@$START_TIME" --no-pager -q 2>/dev/null | grep -q "session open"
  else
    tail -c +"$((LOG_MARK + 1))" "$LOG" 2>/dev/null | grep -q "session open"
  fi
}

say "waiting for node $NAME to be ready (up to $TIMEOUT s)"
deadline=$(( $(date +%s) + TIMEOUT ))
while :; do
  if session_opened && fetch "http://$SERVER/v1/nodes/$NAME" "$TMP/node.json" && grep -q '"status":"ready"' "$TMP/node.json"; then
    break
  fi
  if [ "$(date +%s)" -ge "$deadline" ]; then
    status=$(cat "$TMP/node.json" 2>/dev/null || echo 'no answer')
    if systemd_runs; then tail=$(journalctl -u berth-agent -n 15 --no-pager 2>/dev/null || true); else tail=$(tail -n 15 "$LOG" 2>/dev/null || true); fi
    die "node $NAME was not ready after $TIMEOUT s (coordinator says: $status). The agent's last log lines:
$tail"
  fi
  sleep 1
done
say "node $NAME is ready: the agent runs from $PREFIX (uninstall: this script with --uninstall)"
