"""Validators shared by the domain models."""

import re

from django.core.exceptions import ValidationError

# Control characters (C0, DEL, C1) and Unicode line and paragraph separators: a line break in a
# name ends up in email headers and calendar lines, where it breaks them or forges new ones.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# The same set for PostgreSQL's regular expressions (the migrations that clean old rows).
CONTROL_SQL = r"[\x01-\x1f\x7f\u0080-\u009f\u2028\u2029]"


def single_line(value: str) -> None:
    if CONTROL.search(value or ""):
        raise ValidationError(
            "Use one line of plain text: no line breaks, tabs or other control characters.",
            code="control_characters",
        )


def clean_single_line_sql(table: str, columns: list[str]) -> str:
    """SQL that turns each run of control characters in `columns` into one space."""
    return "\n".join(
        f"UPDATE {table} SET {column} = btrim(regexp_replace({column}, E'{CONTROL_SQL}+', ' ', "  # noqa: S608 (names from migrations)
        f"'g')) WHERE {column} ~ E'{CONTROL_SQL}';"
        for column in columns
    )
