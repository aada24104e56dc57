"""A participant's own goals: set, edit, check in, let go; a facilitator's suggestions answered."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.charts import progress_chart
from core.feedback import ask_once, confirmed, report
from core.links import link
from core.validators import whole_number
from members.access import participant_page
from members.templatetags.together import when
from participation.forms import CheckInForm
from participation.home import score_text
from therapy_groups import queries, services
from therapy_groups.forms import GoalForm
from therapy_groups.models import Goal, GoalComment, TherapyGroup


def _own_goal(request, goal_id: int) -> Goal:
    return get_object_or_404(Goal.objects.of(request.user).select_related("group"), pk=goal_id)


@participant_page
def goal_new(request):
    groups = TherapyGroup.objects.joined_by(request.user)
    if not groups:
        messages.info(request, _("You can set goals once you are in a group."))
        return redirect("home")
    form = GoalForm(request.POST if request.method == "POST" else None)
    asked = whole_number(request.POST.get("group", ""), low=1, high=2**63 - 1)
    chosen = (groups.filter(pk=asked).first() if asked else None) or groups.first()
    if request.method == "POST" and form.is_valid():
        try:
            goal = services.create_goal(participant=request.user, group=chosen, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Goal saved. Check in on it whenever you like."))
            return redirect("goal_detail", goal_id=goal.pk)
    return render(
        request, "participation/goal_form.html", {"form": form, "groups": groups, "chosen": chosen}
    )


# The check-in buttons, 0 to 10: the same on every goal page.
SCALE = format_html_join(
    "", '<button type="submit" name="progress" value="{}">{}</button>', ((n, n) for n in range(11))
)


def _goal_context(goal, **extra) -> dict:
    """The goal page's progress part, for the page and for the check-in redrawn in place, as
    plain values (the page participants open most). The goal is a model or a row of
    `therapy_groups.queries.own_goal`: the same fields."""
    check_ins = queries.check_ins(goal.pk)
    for c in check_ins:
        c.line = f"{when(c.created_at)}: {score_text(c.progress)}"
        if c.note:
            c.line += f". {c.note}"
    return {
        "goal": goal,
        "check_ins": check_ins[::-1],
        "chart": progress_chart(check_ins, label=goal.what),
        "scale": SCALE,
        "check_in_url": link("goal_check_in", goal.pk),
        "status_url": link("goal_status", goal.pk),
        **extra,
    }


@participant_page
def goal_detail(request, goal_id: int):
    goal = queries.own_goal(request.user, goal_id)
    if goal is None:
        raise Http404
    comments = (
        GoalComment.objects.filter(goal_id=goal.pk).select_related("author")
        if goal.has_comments
        else ()
    )
    # What it can change to (not back to a suggestion, and not to what it is).
    statuses = [
        (value, label)
        for value, label in Goal.Status.choices
        if value not in (goal.status, Goal.Status.SUGGESTED, Goal.Status.DECLINED)
    ]
    context = _goal_context(
        goal, comments=comments, statuses=statuses, edit_url=link("goal_edit", goal.pk)
    )
    return render(request, "participation/goal_detail.html", context)


@participant_page
def goal_edit(request, goal_id: int):
    goal = _own_goal(request, goal_id)
    form = GoalForm(request.POST if request.method == "POST" else None, instance=goal)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_goal(goal=goal, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Goal updated."))
            return redirect("goal_detail", goal_id=goal.pk)
    return render(request, "participation/goal_form.html", {"form": form, "goal": goal})


@participant_page
@require_POST
def goal_status(request, goal_id: int):
    goal = _own_goal(request, goal_id)
    declining = request.POST.get("accept") == "no"
    if (declining or request.POST.get("status") == Goal.Status.DROPPED) and not confirmed(request):
        return ask_once(
            request,
            question=_("Say no to this goal?") if declining else _("Let go of this goal?"),
            consequences=(
                _(
                    "Your facilitator's suggestion is set aside. You can always talk about it "
                    "in your group, or set a goal of your own."
                )
                if declining
                else _(
                    "That's alright: goals change. Its check-ins stay in your history, and "
                    "you can pick it up again later."
                )
            ),
            button=_("Yes, say no to it") if declining else _("Yes, let it go"),
            back=reverse("goal_detail", args=[goal.pk]),
        )
    try:
        if "accept" in request.POST:
            services.respond_to_suggestion(goal=goal, accept=request.POST["accept"] == "yes")
        else:
            services.set_goal_status(goal=goal, status=request.POST.get("status", ""))
    except ValidationError as error:
        report(request, error)
    return redirect("goal_detail", goal_id=goal.pk)


@participant_page
@require_POST
def goal_check_in(request, goal_id: int):
    goal = _own_goal(request, goal_id)
    form = CheckInForm(request.POST)
    error = None
    if form.is_valid():
        try:
            services.check_in(goal=goal, **form.cleaned_data)
        except ValidationError as exc:
            error = " ".join(exc.messages)
    else:
        error = _("Choose a number from 0 to 10.")
    context = _goal_context(goal, error=error, checked_in=error is None)
    if request.headers.get("HX-Request"):
        return render(request, "participation/goal_detail.html#progress", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Check-in saved. Well done for taking a moment for this."))
    return redirect("goal_detail", goal_id=goal.pk)


# Facilitators ---------------------------------------------------------------------------
