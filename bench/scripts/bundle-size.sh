#!/bin/sh
# The agent bundle's size against shipping the build machine's full JDK, measured in one run:
#   mvn -B -DskipTests package && bench/scripts/bundle-size.sh
# Prints bytes and ratios: the bundle (tar.gz), its jlink runtime, and the full JDK (packed the
# same way: tar + gzip default level) that the bundle's runtime replaces.
set -eu
cd "$(dirname "$0")/../.."
BUNDLE=bundle/target/berth-agent-linux-$(uname -m).tar.gz
[ -s "$BUNDLE" ] || { echo "no $BUNDLE: run mvn -B -DskipTests package first" >&2; exit 1; }
JDK=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.home = //p')
packed() { tar -cf - -C "$1" . | gzip | wc -c; }
mb() { awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1000000 }'; }
bundle=$(wc -c <"$BUNDLE")
runtime=$(packed bundle/target/berth-agent/runtime)
jars=$(packed bundle/target/berth-agent/lib)
jdk=$(packed "$JDK")
echo "bundle $BUNDLE: $(mb "$bundle") ($(du -sh bundle/target/berth-agent | cut -f1) unpacked)"
echo "  jlink runtime packed: $(mb "$runtime"); agent jars packed: $(mb "$jars")"
echo "full JDK $JDK packed: $(mb "$jdk") ($(du -sh "$JDK" | cut -f1) unpacked)"
echo "full JDK + agent jars packed: $(mb $((jdk + jars)))"
awk -v r="$runtime" -v j="$jdk" -v b="$bundle" -v a="$jars" 'BEGIN {
  printf "ratio runtime / full JDK: %.2f; bundle / (full JDK + jars): %.2f\n", r / j, b / (j + a) }'
