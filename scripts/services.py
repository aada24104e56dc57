"""Make sure PostgreSQL, Redis and the database are there; start what is installed but stopped.

Run by scripts/bootstrap.sh. Prints what it did, or exactly what a person has to do, and exits 1
when it cannot fix something itself.
"""

import glob
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg
import redis

from config import env

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", ""}
COMPOSE_HINT = "Or, with Docker: 'docker compose up -d postgres redis' (see README.md)."


def wait_for(check, seconds=20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.5)
    return check()


def postgres_answers(db: dict) -> bool:
    try:
        connect_maintenance(db).close()
    except psycopg.OperationalError:
        return False
    return True


def connect_maintenance(db: dict):
    return psycopg.connect(
        dbname="postgres",
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        connect_timeout=3,
        autocommit=True,
    )


def start_postgres() -> bool:
    clusters = sorted(glob.glob("/etc/postgresql/*/main"))
    if shutil.which("pg_ctlcluster") and clusters:
        version = Path(clusters[-1]).parent.name
        print(f"==> Starting PostgreSQL {version}")
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"], check=False
        )
        return True
    return False


def redis_answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


def start_redis(port: int) -> bool:
    if not shutil.which("redis-server"):
        return False
    print("==> Starting Redis")
    Path("/var/lib/redis").mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            "redis-server",
            "--daemonize",
            "yes",
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            "/var/lib/redis",
        ],
        check=False,
    )
    return True


def ensure_database(db: dict) -> None:
    with connect_maintenance(db) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]
        ).fetchone()
        if not exists:
            print(f"==> Creating database {db['NAME']}")
            conn.execute(f'CREATE DATABASE "{db["NAME"]}"')


def fail(lines: list[str]) -> None:
    print("\n".join(["", "!! Together cannot start yet:", *("   " + line for line in lines), ""]))
    sys.exit(1)


def main() -> None:
    env.load_dotenv()
    db = env.database_config(env.get("DATABASE_URL"))
    redis_url = env.get("REDIS_URL")
    where = f"{db['HOST'] or 'socket'}:{db['PORT'] or 5432}"

    if not postgres_answers(db):
        local = db["HOST"] in LOCAL_HOSTS
        if not (local and start_postgres() and wait_for(lambda: postgres_answers(db))):
            fail(
                [
                    f"PostgreSQL does not answer at {where} (DATABASE_URL).",
                    "Install and start it: 'apt-get install postgresql' then "
                    "'pg_ctlcluster <version> main start',",
                    "or point DATABASE_URL in .env at a server you have.",
                    COMPOSE_HINT,
                ]
            )
    ensure_database(db)
    print(f"==> PostgreSQL ok ({where}/{db['NAME']})")

    if not redis_answers(redis_url):
        parts = urlsplit(redis_url)
        local = (parts.hostname or "") in LOCAL_HOSTS
        if not (
            local and start_redis(parts.port or 6379) and wait_for(lambda: redis_answers(redis_url))
        ):
            fail(
                [
                    f"Redis does not answer at {parts.hostname}:{parts.port or 6379} (REDIS_URL).",
                    "Install it ('apt-get install redis-server') and start it:",
                    "'redis-server --daemonize yes'; or set REDIS_URL in .env to your server.",
                    COMPOSE_HINT,
                ]
            )
    print("==> Redis ok")


if __name__ == "__main__":
    main()
