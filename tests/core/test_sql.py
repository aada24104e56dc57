"""Plain-SQL reads (core/sql.py): rows of plain values, encrypted columns opened, and models
read by plain SQL equal to the ORM's."""

import pytest
from django.db import connection

from core.encryption import encrypt
from core.sql import columns, instance, rows
from members.models import User

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


def test_a_model_read_by_plain_sql_equals_the_orm_s_in_every_field(participant):
    participant.reminder_hours = [24, 2]  # JSON: parsed as the ORM parses it
    participant.save()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns(User, 'u')} FROM members_user u WHERE u.id = %s", [participant.pk]
        )
        read = instance(User, cursor.fetchone())
    expected = User.objects.get(pk=participant.pk)
    for field in User._meta.concrete_fields:
        assert getattr(read, field.attname) == getattr(expected, field.attname), field.name
    assert not read._state.adding
