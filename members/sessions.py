"""Django's database sessions, read with one plain query.

Every request reads its session first. The ORM's get() costs about three times the round
trip in query building alone (bench/README.md), so the read is a plain SELECT; creating,
saving, expiring and clearing sessions stay Django's own.
"""

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        model = self.model
        connection = connections[router.db_for_read(model)]
        table = connection.ops.quote_name(model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT session_data FROM {table} "  # noqa: S608 (name from _meta)
                "WHERE session_key = %s AND expire_date > %s",
                [self.session_key, timezone.now()],
            )
            row = cursor.fetchone()
        if row is None:  # unknown or expired: a new session gets a new key, as in Django's
            self._session_key = None
            return None
        return model(session_key=self.session_key, session_data=row[0])
