"""The database's clock: the one every web process, worker and beat agrees on.

Anything that decides when something is due, or how long ago something happened, reads this
clock, never the host's: a web host six minutes fast must not make a safety alert wait six
minutes, nor a worker hours off push a text past its window.
"""

from datetime import datetime

from django.db import connection
from django.db.models import DateTimeField, Func


class DatabaseNow(Func):
    """The database's clock at this moment, inside a query (not now(), which is when the
    surrounding transaction began)."""

    template = "clock_timestamp()"
    output_field = DateTimeField()


def db_now() -> datetime:
    """The database's clock at this moment."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT clock_timestamp()")
        return cursor.fetchone()[0]
