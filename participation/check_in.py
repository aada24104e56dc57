"""The goal-prompt email's link: check in on your goals without signing in.

The link is signed (django.core.signing), expires after 7 days, works once, and can only record
check-ins on its own recipient's open goals. Everything else still needs a login.
"""

from django.db import transaction
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from core import audit
from core.outbox import links
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
        prompt = outbox.open_goal_link(token)
    except links.LinkProblem as refused:
        return _problem(request, refused.problem, refused.status)
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
            if not links.use_link(prompt):  # usable once: only one request records anything
                return _problem(request, "used", 410)
            for goal, progress in chosen.items():
                goal_services.check_in(goal=goal, progress=progress)
        return render(request, "participation/check_in_link.html", {"done": len(chosen)})
    return render(
        request,
        "participation/check_in_link.html",
        {"goals": goals, "person": prompt.recipient, "scale": range(11)},
    )
