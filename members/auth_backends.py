"""The sign-in backends, Django's and allauth's, with the signed-in person read by a plain query.

Every signed-in request loads its user by primary key. Django's get() spends more building
the query than the round trip takes; a raw() query by primary key costs about half
(bench/README.md). Who may sign in, and how, is unchanged.
"""

from allauth.account import auth_backends as allauth_backends
from django.contrib.auth import backends as django_backends
from django.core.exceptions import ValidationError

from members.models import User


class _PlainUserLoad:
    def get_user(self, user_id):
        try:
            pk = User._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        table, column = User._meta.db_table, User._meta.pk.column
        sql = f'SELECT * FROM "{table}" WHERE "{column}" = %s'  # noqa: S608 (names from _meta)
        found = list(User.objects.raw(sql, [pk]))
        if not found:
            return None
        return found[0] if self.user_can_authenticate(found[0]) else None


class ModelBackend(_PlainUserLoad, django_backends.ModelBackend):
    """Email and password, for Django's own admin login."""


class AccountBackend(_PlainUserLoad, allauth_backends.AuthenticationBackend):
    """allauth's sign-in: email and password, then the second step."""
