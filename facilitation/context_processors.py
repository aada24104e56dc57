from django.utils.functional import SimpleLazyObject

from measures import queries
from members.models import Role


def follow_up_alerts(request):
    """Unacknowledged follow-ups, for the banner on every page a facilitator opens (lazy:
    read only by pages that show it)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.role != Role.FACILITATOR:
        return {}
    # Read with the session (measures.queries.FOLLOW_UPS_WAITING): when nothing waits, no
    # query. A POST may have just opened one, so a page it renders asks.
    if request.method in ("GET", "HEAD") and getattr(user, "follow_ups_waiting", None) is False:
        return {}
    return {"follow_up_alerts": SimpleLazyObject(lambda: queries.unacknowledged(user))}
