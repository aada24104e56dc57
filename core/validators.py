"""Validators shared by the domain models."""

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

# Control characters (C0, DEL, C1) and Unicode line and paragraph separators: a line break in a
# name ends up in email headers and calendar lines, where it breaks them or forges new ones.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# The same set for PostgreSQL's regular expressions (the migrations that clean old rows).
CONTROL_SQL = r"[\x01-\x1f\x7f\u0080-\u009f\u2028\u2029]"


def single_line(value: str) -> None:
    if CONTROL.search(value or ""):
        raise ValidationError(
            _("Use one line of plain text: no line breaks, tabs or other control characters."),
            code="control_characters",
        )


PHONE = re.compile(r"\+?[0-9][0-9 ()-]{1,28}")


def ascii_digits_only(value: str) -> bool:
    """No digit in `value` is outside 0-9 (Arabic-Indic, full-width, superscript...): the one
    rule for digits typed anywhere in the app (core.forms.DigitsRule, phone numbers)."""
    return all(character.isascii() for character in value if character.isdigit())


def phone_number(value: str) -> None:
    """A number a phone can dial: digits 0-9, an optional leading +, spaces, hyphens, brackets."""
    if value and not (PHONE.fullmatch(value) and sum(c in "0123456789" for c in value) >= 3):
        raise ValidationError(
            _(
                "Use digits, with spaces or hyphens if you like, such as 116 123 or "
                "+44 20 7946 0958."
            ),
            code="phone_number",
        )


def clean_single_line_sql(table: str, columns: list[str]) -> str:
    """SQL that turns each run of control characters in `columns` into one space."""
    return "\n".join(
        f"UPDATE {table} SET {column} = btrim(regexp_replace({column}, E'{CONTROL_SQL}+', ' ', "  # noqa: S608 (names from migrations)
        f"'g')) WHERE {column} ~ E'{CONTROL_SQL}';"
        for column in columns
    )


def whole_number(value: str, *, low: int, high: int) -> int | None:
    """`value` as an int if it is plain ASCII digits within [low, high], else None.

    str.isdigit() is true for "²" and "٣", which int() then refuses (or reads as 3): every
    number typed into a request goes through here or a Django IntegerField instead.
    """
    if not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if low <= number <= high else None


def known_choice(field: str, choices, name: str = "") -> models.CheckConstraint:
    """The database refuses a value outside the field's choices, from any writer (a bulk
    update, a raw query), not only from forms."""
    return models.CheckConstraint(
        condition=models.Q(**{f"{field}__in": choices.values}),
        name=name or f"%(app_label)s_%(class)s_{field}_known",
        violation_error_message=f"Unknown {field}.",
    )


def nhs_number(value: str) -> None:
    """An NHS number: ten digits (spaces allowed) whose last is the modulus-11 check digit of
    the first nine (weights 10 down to 2; 11 reads as 0, and 10 is never issued)."""
    digits = value.replace(" ", "")
    if not value:
        return
    valid = len(digits) == 10 and digits.isascii() and digits.isdigit()
    if valid:
        check = 11 - sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True)) % 11
        valid = (0 if check == 11 else check) == int(digits[9]) and check != 10
    if not valid:
        raise ValidationError(
            _("An NHS number is ten digits, such as 943 476 5919. Check it against the letter."),
            code="nhs_number",
        )
