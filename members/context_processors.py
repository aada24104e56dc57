from django.utils.functional import SimpleLazyObject

from members.middleware import idle_seconds
from members.models import Organisation


def organisation(request):
    # Lazy: pages that never show the organisation's name cost no query.
    context = {"organisation": SimpleLazyObject(Organisation.current)}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        context["idle_seconds"] = idle_seconds(user)
    return context
