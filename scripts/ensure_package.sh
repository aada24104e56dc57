#!/usr/bin/env bash
# ensure_package.sh PROGRAM PACKAGE WHAT-NEEDS-IT MAKE-TARGET
# Installs a Debian package when its program is missing (as root), or says how to.
set -euo pipefail
program=$1 package=$2 needed_by=$3 target=$4
[ -x "$program" ] || command -v "$program" >/dev/null && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "==> Installing $package from Debian's packages (needed by $needed_by)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null
  exit 0
fi
echo "!! $needed_by need $program." >&2
echo "   Install it with 'sudo apt-get install $package', then run 'make $target' again." >&2
exit 1
