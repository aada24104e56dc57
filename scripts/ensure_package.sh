#!/usr/bin/env bash
# ensure_package.sh PROGRAM PACKAGES WHAT-NEEDS-IT MAKE-TARGET
# Installs Debian packages when their program is missing (as root), or says how to. PROGRAM is
# a command, an absolute path to a file, or a shared library's name (libfoo.so.N).
# PACKAGES may name several, space-separated.
set -euo pipefail
program=$1 packages=$2 needed_by=$3 target=$4
if [[ $program == /* ]]; then
  [ -e "$program" ] && exit 0
elif [[ $program == *.so.* ]]; then
  /sbin/ldconfig -p | grep -q "$program" && exit 0
else
  command -v "$program" >/dev/null && exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "==> Installing $packages from Debian's packages (needed by $needed_by)"
  apt-get update -qq
  # shellcheck disable=SC2086 # one word per package
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $packages >/dev/null
  exit 0
fi
echo "!! $needed_by need $program." >&2
echo "   Install it with 'sudo apt-get install $packages', then run 'make $target' again." >&2
exit 1
