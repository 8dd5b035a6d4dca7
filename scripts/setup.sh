#!/usr/bin/env bash
# Makes this machine ready to build and test Berth: Debian packages, a running dockerd, and the
# local test images (no registry is reachable, so images are built here). Idempotent and quick
# when everything is already there. Needs root for the installs.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v dockerd >/dev/null 2>&1 || [ -x /usr/sbin/dockerd ] || need+=(docker.io)
dpkg -s busybox-static >/dev/null 2>&1 || need+=(busybox-static)
command -v dig >/dev/null 2>&1 || need+=(dnsutils)
command -v ip >/dev/null 2>&1 || need+=(iproute2)
command -v iptables >/dev/null 2>&1 || need+=(iptables)
# The multi-host lab (scripts/lab.sh): the Java image's rootfs, and nsenter/unshare.
command -v mmdebstrap >/dev/null 2>&1 || need+=(mmdebstrap)
command -v nsenter >/dev/null 2>&1 || need+=(util-linux)
command -v mvn >/dev/null 2>&1 || need+=(maven)
command -v java >/dev/null 2>&1 || need+=(openjdk-17-jdk-headless)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}"
  if [ "$(id -u)" != 0 ]; then
    echo "setup: need root to install ${need[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

scripts/dockerd-up.sh
scripts/images.sh
