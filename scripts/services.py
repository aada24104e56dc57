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
from psycopg import sql

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
    """The server is up (a refusal of the role or password still means it answered)."""
    try:
        connect_maintenance(db).close()
    except psycopg.OperationalError as error:
        return "authentication failed" in str(error) or "does not exist" in str(error)
    return True


def connect_maintenance(db: dict, dbname: str = "postgres"):
    return psycopg.connect(
        dbname=dbname,
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


def ensure_roles_and_database(app: dict, owner: dict, superuser: dict) -> None:
    """The owner role owns the database and may create the test database; the app role may
    log in and nothing more (core/db_roles.py grants it its DML after each migration)."""
    try:
        conn = connect_maintenance(superuser)
    except psycopg.OperationalError:
        if can_connect(owner) and can_connect(app):
            return  # set up by someone with the rights we lack here; nothing to do
        fail(
            [
                f"The database roles {owner['USER']!r} and {app['USER']!r} are not set up, and "
                "no superuser answers at POSTGRES_SUPERUSER_URL to create them.",
                "As a PostgreSQL superuser, run:",
                f"  CREATE ROLE {owner['USER']} LOGIN CREATEDB PASSWORD '…';",
                f"  CREATE ROLE {app['USER']} LOGIN PASSWORD '…';",
                f"  GRANT {app['USER']} TO {owner['USER']};",
                f"  CREATE DATABASE {owner['NAME']} OWNER {owner['USER']};",
            ]
        )
    with conn:
        for role, extra in ((owner, "CREATEDB"), (app, "")):
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role["USER"]])
            verb = "ALTER" if exists.fetchone() else "CREATE"
            if verb == "CREATE":
                print(f"==> Creating database role {role['USER']}")
            options = sql.SQL(f"LOGIN NOSUPERUSER {extra}")
            if role["PASSWORD"]:
                options += sql.SQL(" PASSWORD {}").format(sql.Literal(role["PASSWORD"]))
            conn.execute(
                sql.SQL(f"{verb} ROLE {{}} {{}}").format(sql.Identifier(role["USER"]), options)
            )
        conn.execute(
            sql.SQL("GRANT {} TO {}").format(
                sql.Identifier(app["USER"]), sql.Identifier(owner["USER"])
            )
        )
        for name in (owner["NAME"], f"test_{owner['NAME']}"):
            row = conn.execute(
                "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s", [name]
            ).fetchone()
            if row is None and name == owner["NAME"]:
                print(f"==> Creating database {name} owned by {owner['USER']}")
                conn.execute(
                    sql.SQL("CREATE DATABASE {} OWNER {}").format(
                        sql.Identifier(name), sql.Identifier(owner["USER"])
                    )
                )
            elif row is not None and row[0] != owner["USER"]:
                if name == owner["NAME"]:
                    adopt(superuser, name, owner["USER"])
                else:  # a leftover test database: pytest recreates it as the owner
                    conn.execute(
                        sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name))
                    )


def adopt(superuser: dict, name: str, owner: str) -> None:
    """A database made before the roles were split: hand it and everything in it to the owner."""
    print(f"==> Handing database {name} and its tables to the role {owner}")
    with connect_maintenance(superuser, dbname=name) as conn:
        conn.execute(
            sql.SQL("ALTER DATABASE {} OWNER TO {}").format(*map(sql.Identifier, (name, owner)))
        )
        conn.execute(sql.SQL("ALTER SCHEMA public OWNER TO {}").format(sql.Identifier(owner)))
        objects = conn.execute(
            """
            SELECT format('ALTER TABLE %%I OWNER TO %%I', c.relname, %(owner)s::text)
              FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm')
            UNION ALL
            SELECT format('ALTER FUNCTION %%s OWNER TO %%I', p.oid::regprocedure, %(owner)s::text)
              FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = 'public'
            """,
            {"owner": owner},
        ).fetchall()
        for (statement,) in objects:
            conn.execute(statement)


def can_connect(db: dict) -> bool:
    try:
        connect_maintenance(db, dbname=db["NAME"]).close()
    except psycopg.OperationalError:
        return False
    return True


def fail(lines: list[str]) -> None:
    print("\n".join(["", "!! Together cannot start yet:", *("   " + line for line in lines), ""]))
    sys.exit(1)


def main() -> None:
    env.load_dotenv()
    db, owner = env.database_configs()
    superuser = env.database_config(env.get("POSTGRES_SUPERUSER_URL"), "POSTGRES_SUPERUSER_URL")
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
    ensure_roles_and_database(db, owner, superuser)
    print(f"==> PostgreSQL ok ({where}/{db['NAME']}, roles {owner['USER']} and {db['USER']})")

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
