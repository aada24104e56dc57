"""Project-level pages: the role-aware home page and the health check."""

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from administration import overview
from measures import queries as measure_queries
from members.access import public
from members.models import Role
from members.services import has_accepted_current_agreement
from participation.views import participant_home
from sessions import queries

HOME_TEMPLATES = {
    Role.PARTICIPANT: "participation/home.html",
    Role.FACILITATOR: "facilitation/home.html",
    Role.ADMIN: "administration/home.html",
}


@public
def home(request):
    user = request.user
    if not user.is_authenticated:
        return render(request, "home/welcome.html")
    context = {}
    if user.role == Role.FACILITATOR:
        groups = queries.dashboard_groups(user)
        context["dashboard"] = queries.facilitator_dashboard(user, groups=groups)
        context["follow_ups"] = list(measure_queries.open_follow_ups(user))
    elif user.role == Role.ADMIN:
        context["figures"] = overview.figures()
    elif user.role == Role.PARTICIPANT:
        if not has_accepted_current_agreement(request):
            return redirect("agreement")
        context.update(participant_home(request))
    return render(request, HOME_TEMPLATES[user.role], context)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:  # any failure means "down"; the reason is not for an unauthenticated caller
        return False


def _redis_ok() -> bool:
    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1
        )
        return bool(client.ping())
    except redis.RedisError:
        return False


@public
@never_cache
def healthz(request):
    checks = {"database": _database_ok(), "redis": _redis_ok()}
    body = {name: "ok" if ok else "down" for name, ok in checks.items()}
    return JsonResponse(body, status=200 if all(checks.values()) else 503)
