#!/bin/sh
# Builds the local images Berth's tests and examples use. No registry is reachable from the lab
# machines, so images are made from files on this machine and loaded with `docker import`.
# Idempotent: an image that already exists is left alone.
#
# Usage: scripts/images.sh [busybox] [java] [debian] [all]
#   busybox (default)  lab/busybox:1   Debian's static busybox plus applet symlinks (~2 MB);
#                                      the rootfs tarball is cached in $BERTH_IMAGE_CACHE too.
#   java               lab/java17:1    Debian bookworm minbase + openjdk-17-jre-headless via
#                                      mmdebstrap (~300 MB, 30-60 s; needs the apt mirror).
#                                      The rootfs tarball is cached in $BERTH_IMAGE_CACHE.
#   debian             lab/debian-curl:1  Debian bookworm minbase + curl, and no Java: a "fresh
#                                      host" for install.sh's lab test (~40 MB; mmdebstrap, cached).
# Environment: DOCKER_HOST (optional: which daemon gets the images; scripts/lab.sh sets it for
#              each simulated host), BERTH_IMAGE_CACHE (default /var/cache/berth/images).
set -eu

CACHE=${BERTH_IMAGE_CACHE:-/var/cache/berth/images}
if [ -x /usr/bin/docker ]; then DOCKER=/usr/bin/docker; else DOCKER=docker; fi

have_image() {
  "$DOCKER" image inspect "$1" >/dev/null 2>&1
}

build_busybox() {
  image=lab/busybox:1
  if have_image "$image"; then
    echo "images: $image already present"
    return 0
  fi
  tarball="$CACHE/busybox.tar"
  if [ ! -s "$tarball" ]; then
    bb=$(command -v busybox 2>/dev/null || echo /bin/busybox)
    if ! file -L "$bb" 2>/dev/null | grep -q 'statically linked'; then
      # A dynamically linked busybox would need its libc inside the image.
      echo "images: $bb is missing or not static (apt-get install -y busybox-static)" >&2
      exit 1
    fi
    mkdir -p "$CACHE"
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    root="$work/rootfs"
    mkdir -p "$root/bin" "$root/sbin" "$root/usr/bin" "$root/usr/sbin" "$root/etc" \
             "$root/tmp" "$root/proc" "$root/sys" "$root/dev" "$root/root" "$root/var/tmp"
    chmod 1777 "$root/tmp" "$root/var/tmp"
    cp "$bb" "$root/bin/busybox"
    # One symlink per applet, pointing at /bin/busybox as seen inside the image
    # (`busybox --install -s DIR` would point them at this temporary build path instead).
    for applet in $("$root/bin/busybox" --list); do
      [ "$applet" = busybox ] || ln -sf /bin/busybox "$root/bin/$applet"
    done
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
    # Cached like the Java rootfs: the lab imports it into every simulated host's daemon.
    tar -C "$root" -cf "$tarball.part" .
    mv "$tarball.part" "$tarball"
    rm -rf "$work"
    trap - EXIT
  fi
  "$DOCKER" import \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'CMD ["/bin/sh"]' \
      "$tarball" "$image" >/dev/null
  echo "images: built $image"
}

# A Debian rootfs from the machine's own apt sources (keeps mirror names out of the repository),
# cached: debian_rootfs TARBALL PACKAGES.
debian_rootfs() {
  tarball=$1 packages=$2
  if [ -s "$tarball" ]; then
    echo "images: using cached $tarball"
    return 0
  fi
  if ! command -v mmdebstrap >/dev/null 2>&1; then
    echo "images: mmdebstrap is not installed (apt-get install -y mmdebstrap)" >&2
    exit 1
  fi
  mkdir -p "$CACHE"
  sources=""
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -s "$f" ] && sources="$sources $f"
  done
  if [ -z "$sources" ]; then
    echo "images: no apt sources found under /etc/apt" >&2
    exit 1
  fi
  echo "images: building $tarball with mmdebstrap ($packages)"
  # shellcheck disable=SC2086
  mmdebstrap --variant=minbase --mode=root \
      --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
      --include="$packages" \
      --dpkgopt='path-exclude=/usr/share/doc/*' \
      bookworm "$tarball.part.tar" $sources
  mv "$tarball.part.tar" "$tarball"
}

# Imports a cached rootfs tarball as IMAGE (bash as its command): import_rootfs TARBALL IMAGE.
import_rootfs() {
  "$DOCKER" import \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'CMD ["/bin/bash"]' \
      "$1" "$2" >/dev/null
  echo "images: built $2"
}

# A host as install.sh finds it: Debian minbase (coreutils, tar, gzip, sed, grep) plus curl; no Java.
build_debian() {
  image=lab/debian-curl:1
  if have_image "$image"; then
    echo "images: $image already present"
    return 0
  fi
  tarball="$CACHE/debian-curl-bookworm.tar"
  debian_rootfs "$tarball" curl
  import_rootfs "$tarball" "$image"
}

# The JVM workloads' image (ZooKeeper, Spark in the lab). openjdk's postinst needs /usr/share/man,
# which debian_rootfs keeps.
build_java() {
  image=lab/java17:1
  if have_image "$image"; then
    echo "images: $image already present"
    return 0
  fi
  tarball="$CACHE/java17-bookworm.tar"
  debian_rootfs "$tarball" openjdk-17-jre-headless,procps,iproute2,netcat-openbsd
  import_rootfs "$tarball" "$image"
}

[ $# -gt 0 ] || set -- busybox
for what in "$@"; do
  case "$what" in
    busybox) build_busybox ;;
    java) build_java ;;
    debian) build_debian ;;
    all) build_busybox; build_java; build_debian ;;
    *) echo "usage: $0 [busybox] [java] [debian] [all]" >&2; exit 2 ;;
  esac
done
