#!/usr/bin/env bash
# Restore a backup into a new, empty database: scripts/restore.sh FILE
# DATABASE_URL and DATABASE_OWNER_URL name the new database (create it first, owned by the owner
# role: CREATE DATABASE together_restored OWNER together_owner). FIELD_ENCRYPTION_KEYS must be
# the keys kept with the backup. Delivery stays on hold until an admin resumes it on Delivery
# health: the backup may hold messages that went out after it was taken.
set -euo pipefail
cd "$(dirname "$0")/.."
dump=${1:?usage: scripts/restore.sh FILE}
py=.venv/bin/python
url=$($py -c 'from config import env; env.load_dotenv(); print(env.owner_url())')
pg_restore --no-owner --no-privileges --exit-on-error --dbname "$url" "$dump"
$py manage.py migrate --no-input   # newer migrations, and the app role's grants
$py manage.py hold_delivery
$py manage.py verify_keys
echo "Restored. Delivery is on hold: an admin resumes it on the Delivery health page."
