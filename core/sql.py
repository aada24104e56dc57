"""Plain SQL for the busiest pages' reads: rows of plain values, no model instances.

On a page that lists many things, building the query through the ORM and a model for every
row costs several times the database's own work (bench/README.md). The reads behind the pages
people open most are written once in SQL, each named for what it reads, and return `Row`s.
Everything else keeps the ORM. Encrypted columns are opened here, as the ORM field would.
"""

from collections.abc import Iterable
from types import SimpleNamespace

from django.db import connection

from core.encryption import decrypt


class Row(SimpleNamespace):
    """One row: its columns as attributes (`row.starts_at`), as a template reads a model."""

    @property
    def pk(self):
        return self.id


def rows(sql: str, params, *, encrypted: Iterable[str] = ()) -> list[Row]:
    """Run one SELECT; each row as a `Row`, with the `encrypted` columns decrypted."""
    encrypted = tuple(encrypted)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column.name for column in cursor.description]
        if len(set(names)) < len(names):  # a second "id" would silently replace the first
            raise ValueError(f"Name each column once (AS ...): {names}")
        found = [Row(**dict(zip(names, values, strict=True))) for values in cursor.fetchall()]
    for row in found:
        for name in encrypted:
            value = getattr(row, name)
            if value:
                setattr(row, name, decrypt(value))
    return found
