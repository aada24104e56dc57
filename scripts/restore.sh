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
# One transaction, the hold inside it: the restored rows and the hold become visible together,
# so a worker already pointed at this database never sees a due row while delivery is not held.
{
  pg_restore --no-owner --no-privileges --file - "$dump"
  echo "INSERT INTO public.members_outboxmark (name, at) VALUES ('held_since', clock_timestamp())"
  echo "  ON CONFLICT (name) DO UPDATE SET at = EXCLUDED.at;"
} | psql --quiet --no-psqlrc --single-transaction -v ON_ERROR_STOP=1 --dbname "$url" >/dev/null
$py manage.py migrate --no-input   # newer migrations, and the app role's grants
$py manage.py verify_keys
echo "Restored. Delivery is on hold: an admin resumes it on the Delivery health page."
