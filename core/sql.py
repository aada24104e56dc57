"""Plain SQL for the busiest pages' reads: rows of plain values, no model instances.

On a page that lists many things, building the query through the ORM and a model for every
row costs several times the database's own work (bench/README.md). The reads behind the pages
people open most are written once in SQL, each named for what it reads, and return `Row`s.
Everything else keeps the ORM. Encrypted columns are opened here, as the ORM field would.
"""

from collections.abc import Iterable
from functools import cache
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


def columns(model, alias: str) -> str:
    """The model's columns for a SELECT list, qualified by `alias`, in the order that
    `instance()` reads them back."""
    return ", ".join(f'"{alias}"."{field.column}"' for field in model._meta.concrete_fields)


def instance(model, values):
    """The model instance a plain query read with `columns()`, each value converted as the ORM
    converts it (a JSON field is parsed, not left as text)."""
    converted = [
        _convert(value, converters)
        for value, converters in zip(values, _converters(model), strict=True)
    ]
    return model.from_db(connection.alias, None, converted)


def _convert(value, converters):
    for converter, expression in converters:
        value = converter(value, expression, connection)
    return value


@cache
def _converters(model) -> list[list]:
    found = []
    for field in model._meta.concrete_fields:
        expression = field.get_col(model._meta.db_table)
        found.append(
            [
                (converter, expression)
                for converter in connection.ops.get_db_converters(expression)
                + expression.get_db_converters(connection)
            ]
        )
    return found
