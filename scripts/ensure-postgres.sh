#!/usr/bin/env bash
# The tests start a real PostgreSQL server (tests/pgserver.py) from the machine's own
# binaries. Install Debian's package when none is there (as root, or through sudo).
set -euo pipefail
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1; then
    exit 0
fi
echo "PostgreSQL server binaries not found: installing Debian's postgresql package" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
ls /usr/lib/postgresql/*/bin/initdb >/dev/null
