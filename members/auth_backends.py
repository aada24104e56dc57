"""The sign-in backends, Django's and allauth's, with the signed-in person read by plain SQL.

Every signed-in request loads its person by primary key. The request's session has usually
read the person already, in its own query (members/sessions.py); otherwise one plain SELECT
does. Django's get() spends more building the query than the round trip takes
(bench/README.md). Who may sign in, and how, is unchanged: Django still checks the session's
password hash against the person, and an inactive person is refused.
"""

from allauth.account import auth_backends as allauth_backends
from django.contrib.auth import backends as django_backends
from django.db import connection

from core import sql
from core.request_context import current_request
from members.models import User
from members.sessions import person_id


class _PlainUserLoad:
    def get_user(self, user_id):
        pk = person_id(user_id)
        if pk is None:
            return None
        user = read_with_session(pk) or read_person(pk)
        return user if user is not None and self.user_can_authenticate(user) else None


def read_with_session(pk: int) -> User | None:
    """The person this request's session read with its row, if it is the one asked for."""
    session = getattr(current_request(), "session", None)
    user = getattr(session, "signed_in", None)
    return user if user is not None and user.pk == pk else None


def read_person(pk: int) -> User | None:
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT {sql.columns(User, "u")} FROM "{User._meta.db_table}" u WHERE u.id = %s',  # noqa: S608
            [pk],
        )
        row = cursor.fetchone()
    return sql.instance(User, row) if row else None


class ModelBackend(_PlainUserLoad, django_backends.ModelBackend):
    """Email and password, for Django's own admin login."""


class AccountBackend(_PlainUserLoad, allauth_backends.AuthenticationBackend):
    """allauth's sign-in: email and password, then the second step."""
