#!/usr/bin/env bash
# Resolve pyproject.toml's dependencies into the two lock files: exact versions with the
# sha256 of every file PyPI has for them, so pip installs only the files we locked
# (it checks each hash; scripts/bootstrap.sh and the Dockerfile install with --no-deps).
# Run by hand (`make lock`) after changing a dependency; commit both files. Pins already in a
# lock file are kept; to move everything to the newest versions, delete both files first.
set -euo pipefail
cd "$(dirname "$0")/.."
py=$(scripts/python313.sh)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$py" -m venv "$tmp/venv"
"$tmp/venv/bin/pip" install --quiet pip-tools 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
compile() {  # compile OUTPUT [pip-compile options]
  out=$1; shift
  "$tmp/venv/bin/pip-compile" --quiet --generate-hashes --strip-extras --allow-unsafe \
    --no-emit-index-url --no-emit-find-links --output-file "$out" "$@" pyproject.toml \
    2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
}
compile requirements.lock
compile requirements-dev.lock --extra dev
echo "Wrote requirements.lock ($(grep -c '==' requirements.lock) packages) and requirements-dev.lock ($(grep -c '==' requirements-dev.lock) packages)."
