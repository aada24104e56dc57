"""Plain-SQL reads (core/sql.py): rows of plain values, encrypted columns opened."""

import pytest

from core.encryption import encrypt
from core.sql import rows

pytestmark = pytest.mark.django_db


def test_rows_are_attribute_bags_with_pk_and_opened_text():
    found = rows(
        "SELECT 7 AS id, %s AS note, '' AS empty, 'plain' AS word",
        [encrypt("Slept better")],
        encrypted=["note", "empty"],
    )
    assert len(found) == 1
    row = found[0]
    assert (row.pk, row.note, row.empty, row.word) == (7, "Slept better", "", "plain")


def test_a_column_named_twice_is_refused_rather_than_lost():
    with pytest.raises(ValueError, match="Name each column once"):
        rows("SELECT 1 AS id, 2 AS id", [])
