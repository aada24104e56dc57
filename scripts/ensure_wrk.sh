#!/usr/bin/env bash
# The load benchmark drives the app with wrk (Debian's package); only bench/load.py needs it.
set -euo pipefail
command -v wrk >/dev/null && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "==> Installing wrk from Debian's packages (needed by the load benchmark)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
  exit 0
fi
echo "!! The load benchmark needs wrk. Install it with 'sudo apt-get install wrk', then run 'make bench-load' again." >&2
exit 1
