#!/usr/bin/env bash
# Back up Together's database: scripts/backup.sh [FILE]. README.md, "Backup and restore".
# The dump holds clinical text only as ciphertext. The keys that open it (FIELD_ENCRYPTION_KEYS)
# are NOT in it, on purpose: keep them, and SECRET_KEY, in a separate safe place.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-together-$(date -u +%Y%m%dT%H%M%SZ).dump}
url=$(.venv/bin/python -c 'from config import env; env.load_dotenv(); print(env.owner_url())')
pg_dump --format=custom --no-owner --no-privileges --dbname "$url" --file "$out"
echo "Backed up to $out. It does not hold the encryption keys: keep FIELD_ENCRYPTION_KEYS apart."
