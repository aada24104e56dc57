"""Who may open a view. Every view in the project is wrapped in exactly one of these.

The wrapper both enforces the rule and records it on the view as `access_rule`, which the
URL-walk test (tests/test_access.py) reads: a URL whose view has no rule fails that test.
A wrong role gets 403 on pages; objects outside the user's scope get 404 from their querysets.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from members.models import Role


@dataclass(frozen=True)
class AccessRule:
    roles: frozenset[str] | None  # None: anyone, signed in or not

    @property
    def is_public(self) -> bool:
        return self.roles is None

    def allows(self, user) -> bool:
        if self.roles is None:
            return True
        return user.is_authenticated and user.is_active and user.role in self.roles


PUBLIC = AccessRule(roles=None)
SIGNED_IN = AccessRule(roles=frozenset(Role.values))


def _mark(view: Callable, rule: AccessRule) -> Callable:
    view.access_rule = rule
    return view


def public(view: Callable) -> Callable:
    return _mark(view, PUBLIC)


def roles_required(*roles: Role, hidden: bool = False) -> Callable[[Callable], Callable]:
    """Only these roles. With `hidden`, a wrong role gets 404 instead of 403, as if nothing were
    there: for pages showing someone's answers, whose existence is itself clinical."""
    rule = AccessRule(roles=frozenset(roles))

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not rule.allows(request.user):
                raise Http404 if hidden else PermissionDenied
            return view(request, *args, **kwargs)

        return _mark(wrapped, rule)

    return decorator


signed_in = roles_required(*Role)
# Pages with a participant's questionnaire answers: other roles get 404, not a hint.
answers_page = roles_required(Role.FACILITATOR, hidden=True)


def participant_page(view: Callable) -> Callable:
    """A participant page about their groups: first they accept the group agreement."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        from members.services import has_accepted_current_agreement

        if request.user.is_authenticated and not has_accepted_current_agreement(request):
            return redirect_to_login(request.get_full_path(), login_url=reverse("agreement"))
        return view(request, *args, **kwargs)

    return roles_required(Role.PARTICIPANT)(wrapped)
