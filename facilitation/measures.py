"""Facilitator pages for measures: which questionnaires a group answers, and the in-room
check-in (a short link and QR code each member opens on their own phone)."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from core import audit
from core.qr import qr_svg
from facilitation.forms import MeasurePlanForm
from measures import queries, services
from measures.board import outcome_board
from measures.models import MeasurePlan, MeasureResponse
from members.access import answers_page, roles_required
from members.models import Role
from sessions.models import GroupSession
from therapy_groups.models import TherapyGroup


@roles_required(Role.FACILITATOR)
def group_measures(request, group_id: int):
    group = get_object_or_404(TherapyGroup.objects.facilitated_by(request.user), pk=group_id)
    plan = MeasurePlan.objects.filter(group=group).first()
    form = MeasurePlanForm(
        request.POST if request.method == "POST" else None,
        initial=queries.plan_choices(group, plan),
    )
    if request.method == "POST" and form.is_valid():
        try:
            chosen = services.set_measure_plan(group=group, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            saved = (
                _("Questionnaires saved.")
                if chosen
                else _("This group is not asked questionnaires.")
            )
            messages.success(request, saved)
            return redirect("group_detail", group_id=group.pk)
    return render(
        request,
        "facilitation/group_measures.html",
        {"group": group, "form": form, "asked": plan is not None},
    )


def short_link(session: GroupSession) -> str:
    return settings.SITE_URL + reverse("measure_check_in", args=[session.pk])


def waiting(session: GroupSession, people) -> list[dict] | None:
    """For the session page: who has not answered which of this session's questionnaires yet
    (None when the session asks none)."""
    due = queries.measures_for(session)
    if not due:
        return None
    answered = set(
        MeasureResponse.objects.filter(session=session).values_list("participant_id", "instrument")
    )
    rows = []
    for person in people:
        missing = [m.name for m in due if (person.pk, m.code) not in answered]
        if missing:
            rows.append({"person": person, "missing": missing})
    return rows


@roles_required(Role.FACILITATOR)
def check_in_now(request, session_id: int):
    """A presenter view for the room's shared screen: the QR code and short link, large, and
    nothing about any member (templates/presenter.html has no banner and no menu)."""
    session = get_object_or_404(
        GroupSession.objects.for_facilitator(request.user).select_related("group"), pk=session_id
    )
    due = queries.measures_for(session)
    link = short_link(session)
    return render(
        request,
        "facilitation/check_in_now.html",
        {
            "session": session,
            "group": session.group,
            "due": due,
            "link": link,
            "qr": qr_svg(link, title=_("QR code for %(link)s") % {"link": link}) if due else "",
        },
    )


@answers_page
def group_outcomes(request, group_id: int):
    """The outcome board: the whole group at once, who is getting better and who is not."""
    group = get_object_or_404(TherapyGroup.objects.facilitated_by(request.user), pk=group_id)
    audit.viewed(request, group, group_id=group.pk)
    return render(
        request, "facilitation/group_outcomes.html", {"group": group, "board": outcome_board(group)}
    )
