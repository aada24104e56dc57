"""Encryption at rest for clinical text: notes, addenda, goals, check-ins, comments.

Each value is stored as a Fernet token (AES-128-CBC with HMAC-SHA256). `FIELD_ENCRYPTION_KEYS`
lists keys newest first: the first encrypts, every one decrypts, so a new key can be added in
front and `manage.py rotate_encryption_keys` re-encrypts old rows before the old key is dropped.

Empty text stays empty, so "is there a note?" remains a plain query; the text never is.
Encrypted columns cannot be searched or ordered in SQL, and no code does.
"""

from collections.abc import Callable
from datetime import date
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django import forms
from django.apps import apps
from django.conf import settings
from django.core import checks, validators
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import connection, models, transaction
from django.db.models.lookups import Exact

PREFIX = "fernet:"  # marks a token, so plaintext left by an old release is recognisable


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty.")
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as error:
        raise ImproperlyConfigured(
            "Each FIELD_ENCRYPTION_KEYS entry must be a Fernet key "
            "(make one with: python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())')."
        ) from error


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(text: str) -> str:
    return PREFIX + fernet().encrypt(text.encode()).decode()


def decrypt(stored: str) -> str:
    if not stored.startswith(PREFIX):
        raise ValueError("This value is not encrypted; run the migrations.")
    try:
        return fernet().decrypt(stored.removeprefix(PREFIX).encode()).decode()
    except InvalidToken as error:
        # The value is intact but none of the configured keys opens it: a key was dropped too
        # early. Never fall back to showing the token.
        raise ImproperlyConfigured(
            "A stored value cannot be decrypted with any FIELD_ENCRYPTION_KEYS entry."
        ) from error


class EmptyOnlyExact(Exact):
    """`field=""` works (empty text is stored empty); any other value could never match."""

    def get_prep_lookup(self):
        if self.rhs not in ("", None):
            raise FieldError("Encrypted text cannot be searched in the database.")
        return super().get_prep_lookup()


class EncryptedTextField(models.TextField):
    """Multi-line text, encrypted in the database, plain in Python.

    Only `isnull` and `exact` with empty text are allowed as lookups: a search on the text
    would silently find nothing, so it fails loudly instead.
    """

    def get_lookup(self, lookup_name):
        if lookup_name == "exact":
            return EmptyOnlyExact
        return super().get_lookup(lookup_name) if lookup_name == "isnull" else None

    def from_db_value(self, value, expression, connection):
        return decrypt(value) if value else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return encrypt(value) if value else value


class EncryptedCharField(EncryptedTextField):
    """One line of text with a length limit on the plaintext; the column is unbounded text."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.max_length:
            self.validators.append(validators.MaxLengthValidator(self.max_length))

    def formfield(self, **kwargs):
        return super().formfield(**{"widget": forms.TextInput, **kwargs})


def encrypted_columns() -> dict[type[models.Model], list[str]]:
    """Every model with encrypted fields, and the database columns of those fields."""
    found = {}
    for model in apps.get_models():
        columns = [
            field.column
            for field in model._meta.concrete_fields
            if isinstance(field, EncryptedTextField)
        ]
        if columns:
            found[model] = columns
    return found


def rewrite_ciphertexts(
    table: str, columns: list[str], change: Callable[[str], str], batch: int = 2000
) -> int:
    """Apply `change` to every stored value of `columns`; returns how many values changed.

    Runs in one transaction. Signed notes and addenda are locked by triggers; the setting
    `together.rewriting_ciphertext` lets those triggers accept a change confined to the
    encrypted columns (see group_sessions migration 0005), and nothing else.
    """
    select_columns = ", ".join(f'"{column}"' for column in columns)
    assignments = ", ".join(f'"{column}" = %s' for column in columns)
    changed = 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL together.rewriting_ciphertext = 'on'")
        last_id = 0
        while True:
            cursor.execute(
                f'SELECT id, {select_columns} FROM "{table}" '  # noqa: S608 (names from _meta)
                "WHERE id > %s ORDER BY id LIMIT %s",
                [last_id, batch],
            )
            rows = cursor.fetchall()
            if not rows:
                return changed
            for row_id, *values in rows:
                new_values = [change(value) if value else value for value in values]
                if new_values != values:
                    cursor.execute(
                        f'UPDATE "{table}" SET {assignments} WHERE id = %s',  # noqa: S608
                        [*new_values, row_id],
                    )
                    changed += sum(a != b for a, b in zip(values, new_values, strict=True))
            last_id = rows[-1][0]


def rotate(token: str) -> str:
    """Re-encrypt one stored value under the first key."""
    return PREFIX + fernet().rotate(token.removeprefix(PREFIX).encode()).decode()


def encrypt_if_plain(value: str) -> str:
    return value if value.startswith(PREFIX) else encrypt(value)


def decrypt_if_encrypted(value: str) -> str:
    return decrypt(value) if value.startswith(PREFIX) else value


def migration_steps(tables: dict[str, list[str]]) -> tuple[Callable, Callable]:
    """RunPython's forward and backward functions for a migration that turns encryption on for
    `tables` (name -> columns): existing plaintext is encrypted, and decrypted going back."""

    def forward(apps, schema_editor):
        for table, columns in tables.items():
            rewrite_ciphertexts(table, columns, encrypt_if_plain)

    def backward(apps, schema_editor):
        for table, columns in tables.items():
            rewrite_ciphertexts(table, columns, decrypt_if_encrypted)

    return forward, backward


@checks.register(checks.Tags.security)
def check_keys(app_configs, **kwargs):
    """`manage.py check` (and the deploy check) fails on a malformed key, not the first save."""
    try:
        fernet()
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="together.E001")]
    return []


class EncryptedDateField(EncryptedTextField):
    """A date (a birth date), encrypted like text: stored as its ISO form, a date in Python."""

    def from_db_value(self, value, expression, connection):
        text = super().from_db_value(value, expression, connection)
        return date.fromisoformat(text) if text else None

    def to_python(self, value):
        if value in (None, "") or isinstance(value, date):
            return value or None
        return date.fromisoformat(value)

    def get_prep_value(self, value):
        value = self.to_python(value)
        return encrypt(value.isoformat()) if value else ""

    def value_to_string(self, obj):
        value = self.value_from_object(obj)
        return value.isoformat() if value else ""

    def formfield(self, **kwargs):
        return models.Field.formfield(self, **{"form_class": forms.DateField, **kwargs})
