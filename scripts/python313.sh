#!/usr/bin/env bash
# Print the path of a Python 3.13 interpreter, as .python-version asks, or explain how to get one.
set -euo pipefail
cd "$(dirname "$0")/.."
want=$(tr -d '[:space:]' < .python-version)
for candidate in "python$want" "$HOME/.pyenv/versions/$want"*/bin/python python3 python; do
  path=$(command -v "$candidate" 2>/dev/null) || continue
  # pyenv's shim honours .python-version; a plain python3 may be another version.
  if [ "$("$path" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" = "$want" ]; then
    "$path" -c 'import sys; print(sys.executable)'
    exit 0
  fi
done
echo "Together needs Python $want and none was found." >&2
echo "Install it (for example 'pyenv install $want', or your system's python$want package), then try again." >&2
exit 1
