"""Two database roles: the owner, which owns the tables, and the app, which only reads and writes.

- The **owner** (`DATABASE_OWNER_URL`) runs migrations and key rotation, nothing else.
- The **app** (`DATABASE_URL`) serves the web pages and runs the workers. It is not a superuser
  and owns nothing, so it cannot TRUNCATE, ALTER or disable triggers, nor set
  `session_replication_role`. It may only INSERT and SELECT on append-only tables.

Signed notes stay locked against the app role whatever it sets in its session: the triggers let
ciphertext be rewritten only by the table's owner (group_sessions migration 0007).
"""

from contextlib import contextmanager

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from psycopg import sql

# Tables the app may add to and read, never change: the audit trail, and Django's record of
# which migrations ran.
APPEND_ONLY = ["members_auditevent"]
READ_ONLY = ["django_migrations"]


def owner_role() -> str:
    return settings.DATABASE_OWNER["USER"]


def app_role() -> str:
    return settings.DATABASE_APP_ROLE


@contextmanager
def as_owner():
    """Run the block connected as the owner role (migrations, key rotation)."""
    connection = connections[DEFAULT_DB_ALIAS]
    owner = settings.DATABASE_OWNER
    if connection.settings_dict["USER"] == owner["USER"]:
        # Already the owner's connection (the tests act as the app role by SET ROLE on it).
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            acting = cursor.fetchone()[0]
            cursor.execute("RESET ROLE")
        try:
            yield
        finally:
            if acting != owner["USER"] and connection.connection is not None:
                with connection.cursor() as cursor:
                    role = sql.SQL("SET ROLE {}").format(sql.Identifier(acting))
                    cursor.execute(role.as_string(connection.connection))
        return
    if connection.in_atomic_block:
        raise RuntimeError("as_owner() reconnects, so it cannot run inside a transaction.")
    saved = {key: connection.settings_dict[key] for key in ("USER", "PASSWORD")}
    connection.close()
    connection.settings_dict.update(USER=owner["USER"], PASSWORD=owner["PASSWORD"])
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.update(saved)


def grant_app_privileges() -> None:
    """Give the app role exactly the DML it needs on every table; run as the owner after each
    migration, so new tables are covered and nothing more is ever granted."""
    app = sql.Identifier(app_role())
    if app_role() == owner_role():
        return  # one role for everything: a development set-up that chose not to split
    statements = [
        sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(app),
        sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}").format(
            app
        ),
        sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(app),
        sql.SQL(
            "REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM {}"
        ).format(app),
    ]
    for table in APPEND_ONLY:
        statements.append(
            sql.SQL("REVOKE UPDATE, DELETE ON {} FROM {}").format(sql.Identifier(table), app)
        )
    for table in READ_ONLY:
        statements.append(
            sql.SQL("REVOKE INSERT, UPDATE, DELETE ON {} FROM {}").format(
                sql.Identifier(table), app
            )
        )
    connection = connections[DEFAULT_DB_ALIAS]
    connection.ensure_connection()
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement.as_string(connection.connection))
