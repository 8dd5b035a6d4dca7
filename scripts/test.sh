#!/usr/bin/env bash
# Runs Berth's whole test suite on this machine: unit tests, and end-to-end tests on a real
# dockerd with real coordinator and agent processes. Prepares the machine first (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec mvn -B verify "$@"
