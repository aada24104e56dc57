"""Sessions in the database, each read together with its signed-in person in one query.

Every signed-in request reads its session and then its person: two round trips, each costing
more in query building than the database's own work (bench/README.md). The session's row names
its person (members.models.Session.user), so one plain SELECT reads both; the sign-in backend
takes the person from here (members/auth_backends.py). Writing an existing session back (every
half minute of activity, members/middleware.py) is one UPDATE, where Django's save spends three
round trips on a transaction around it. Creating, expiring and clearing sessions stay Django's.

The organisation's row, which nearly every page shows, comes with them
(`Organisation.current` finds it read). Other apps may name a fact to read with the person in
that same query (`read_with_person`): the follow-up banner asks this way whether anything
waits, so a page with nothing to show pays no round trip for it.
"""

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import UpdateError
from django.db import connection
from django.utils import timezone

from core import sql
from core.request_context import remember

# Facts read with the signed-in person: attribute name -> an SQL expression over their row "u".
_with_person: dict[str, str] = {}


def read_with_person(name: str, expression: str) -> None:
    """Read `expression` (SQL over the person's row, aliased "u") with every session and set
    it on the signed-in person as `name`. Registered once, at start-up (an AppConfig.ready)."""
    _with_person[name] = expression


class SessionStore(db.SessionStore):
    signed_in = None  # the person the session's row names, read with it

    @classmethod
    def get_model_class(cls):
        from members.models import Session

        return Session

    def create_model_instance(self, data):
        session = super().create_model_instance(data)
        session.user_id = person_id(data.get(SESSION_KEY))
        return session

    def save(self, must_create=False):
        if self.session_key is None or must_create:
            return super().save(must_create)  # a new key: Django's own, with its clash check
        session = self.create_model_instance(self._get_session())
        with connection.cursor() as cursor:
            cursor.execute(
                f'UPDATE "{session._meta.db_table}" SET session_data = %s, expire_date = %s, '  # noqa: S608
                "user_id = %s WHERE session_key = %s",
                [session.session_data, session.expire_date, session.user_id, session.session_key],
            )
            if cursor.rowcount == 0:  # ended meanwhile (signed out elsewhere): not brought back
                raise UpdateError

    def _get_session_from_db(self):
        from members.models import Organisation, User

        Session = self.get_model_class()
        asked = "".join(f", ({expression})" for expression in _with_person.values())
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT s.session_data, {sql.columns(User, 'u')}{asked}, "  # noqa: S608 (ours)
                f"{Organisation.columns('o')} "
                f'FROM "{Session._meta.db_table}" s '
                f'LEFT JOIN "{User._meta.db_table}" u ON u.id = s.user_id '
                f'LEFT JOIN "{Organisation._meta.db_table}" o ON o.id = 1 '
                "WHERE s.session_key = %s AND s.expire_date > %s",
                [self.session_key, timezone.now()],
            )
            row = cursor.fetchone()
        if row is None:  # unknown or expired: a new session gets a new key, as in Django's
            self._session_key = None
            return None
        person = row[1 : 1 + len(User._meta.concrete_fields)]
        facts = row[1 + len(person) : 1 + len(person) + len(_with_person)]
        organisation = row[1 + len(person) + len(facts) :]
        if person[0] is not None:
            self.signed_in = sql.instance(User, person)
            for name, value in zip(_with_person, facts, strict=True):
                setattr(self.signed_in, name, value)
        if organisation[0] is not None:  # read with the session, not asked for again
            remember("organisation", Organisation.from_row(organisation))
        return Session(session_key=self.session_key, session_data=row[0])


def person_id(value) -> int | None:
    """The signed-in person's id as the session's data holds it (a string), or None."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
