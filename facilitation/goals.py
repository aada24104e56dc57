"""Facilitators and goals: suggesting one to a participant, commenting on one."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from facilitation.forms import CommentForm, SuggestGoalForm
from members.access import roles_required
from members.models import Role
from therapy_groups import services
from therapy_groups.models import Goal, TherapyGroup


@roles_required(Role.FACILITATOR)
def goal_suggest(request, group_id: int, participant_id: int):
    group = get_object_or_404(TherapyGroup.objects.facilitated_by(request.user), pk=group_id)
    member = get_object_or_404(
        group.enrollments.filter(status="active").select_related("participant"),
        participant_id=participant_id,
    ).participant
    form = SuggestGoalForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.suggest_goal(
            facilitator=request.user, group=group, participant=member, **form.cleaned_data
        )
        messages.success(
            request,
            _("Suggestion sent to %(name)s. They can accept it or not.")
            % {"name": member.short_name},
        )
        return redirect("participant_record", group_id=group.pk, participant_id=member.pk)
    return render(
        request,
        "facilitation/goal_suggest.html",
        {"form": form, "group": group, "member": member},
    )


@roles_required(Role.FACILITATOR)
@require_POST
def goal_comment(request, goal_id: int):
    goal = get_object_or_404(Goal.objects.in_facilitated_groups(request.user), pk=goal_id)
    form = CommentForm(request.POST)
    if form.is_valid():
        services.comment_on_goal(goal=goal, author=request.user, text=form.cleaned_data["text"])
        messages.success(request, _("Comment added."))
    else:
        messages.error(request, _("Write a comment first."))
    return redirect(
        "participant_record", group_id=goal.group_id, participant_id=goal.participant_id
    )
