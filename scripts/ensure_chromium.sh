#!/usr/bin/env bash
# The browser tests drive Debian's Chromium (Playwright cannot download its own browser here).
set -euo pipefail
browser=${CHROMIUM_PATH:-/usr/bin/chromium}
[ -x "$browser" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "==> Installing Chromium from Debian's packages (needed by the browser tests)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  exit 0
fi
echo "!! The browser tests need Chromium at $browser." >&2
echo "   Install it with 'sudo apt-get install chromium' (or set CHROMIUM_PATH), then run 'make test' again." >&2
exit 1
