"""The goal-prompt email's link: check in on your goals without signing in.

The link is signed (django.core.signing), expires after 7 days, works once, and can only record
check-ins on its own recipient's open goals. Everything else still needs a login.
"""

from django.core import signing
from django.db import transaction
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from core import audit
from core.models import Notification
from core.validators import whole_number
from members.access import public
from sessions import outbox
from therapy_groups import services as goal_services
from therapy_groups.models import Goal


def _problem(request, problem: str, status: int):
    return render(request, "participation/check_in_link.html", {"problem": problem}, status=status)


@public
@never_cache
def goal_prompt_check_in(request, token: str):
    try:
        payload = signing.loads(
            token, salt=outbox.GOAL_LINK_SALT, max_age=outbox.GOAL_LINK_AGE.total_seconds()
        )
    except signing.SignatureExpired:
        return _problem(request, "expired", 410)
    except signing.BadSignature:
        return _problem(request, "broken", 400)
    prompt = (
        Notification.objects.filter(
            pk=payload.get("n"), recipient_id=payload.get("u"), kind=outbox.GOAL_PROMPT
        )
        .select_related("recipient")
        .first()
    )
    if prompt is None or not prompt.recipient.is_active:
        return _problem(request, "broken", 400)
    if prompt.link_used_at is not None:
        return _problem(request, "used", 410)
    goals = list(Goal.objects.of(prompt.recipient).filter(status=Goal.Status.ACTIVE).order_by("pk"))
    # The page shows the person's goals to whoever holds the link: every opening is recorded.
    audit.viewed(request, prompt.recipient, group_id=None, participant_id=prompt.recipient.pk)
    if request.method == "POST":
        chosen = {goal: request.POST.get(f"progress-{goal.pk}", "") for goal in goals}
        chosen = {goal: whole_number(v, low=0, high=10) for goal, v in chosen.items()}
        chosen = {goal: progress for goal, progress in chosen.items() if progress is not None}
        if not chosen:
            return render(
                request,
                "participation/check_in_link.html",
                {
                    "goals": goals,
                    "person": prompt.recipient,
                    "scale": range(11),
                    "error": _("Choose a number from 0 to 10 for at least one goal."),
                },
                status=400,
            )
        with transaction.atomic():
            # Usable once: only the request that flips link_used_at records anything.
            if not Notification.objects.filter(pk=prompt.pk, link_used_at__isnull=True).update(
                link_used_at=timezone.now()
            ):
                return _problem(request, "used", 410)
            for goal, progress in chosen.items():
                goal_services.check_in(goal=goal, progress=progress)
        return render(request, "participation/check_in_link.html", {"done": len(chosen)})
    return render(
        request,
        "participation/check_in_link.html",
        {"goals": goals, "person": prompt.recipient, "scale": range(11)},
    )
