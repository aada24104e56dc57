"""Participant pages: the group agreement, home with the schedule, "I can't make it", calendars.

Participants see their own groups' schedule, places and links, their own goals, and fellow
members' first names with the goals those members chose to share. Never notes or others'
attendance.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from core import audit
from core.feedback import redirect_back, report
from core.links import link
from measures import queries as measure_queries
from members import services as member_services
from members.access import participant_page, public, roles_required, signed_in
from members.models import ConfidentialityAgreement, Organisation, Role, User
from participation.data_export import personal_data, personal_records
from participation.home import home_lines
from programmes.models import SessionWorksheet
from sessions import calendars, services
from sessions.member_home import member_home
from sessions.models import GroupSession
from therapy_groups import services as group_services
from therapy_groups.models import Enrollment


@roles_required(Role.PARTICIPANT)
def agreement(request):
    """The group agreement, accepted before any page about the groups (members/access.py)."""
    current = ConfidentialityAgreement.current()
    if request.method == "POST" and current is not None:
        member_services.accept_agreement(user=request.user, agreement=current)
        return redirect_back(request, "home")
    accepted_before = request.user.agreement_acceptances.exists()
    return render(
        request,
        "participation/agreement.html",
        {
            "agreement": current,
            "accepted_before": accepted_before,
            "next": request.GET.get("next", ""),
        },
    )


def participant_home(request):
    """The participant's home (rendered by config.views.home after the agreement check): four
    plain queries (sessions/member_home.py), one more while a group asks questionnaires."""
    home = member_home(request.user, now=timezone.now())
    if home.recent:  # which of the last sessions set a worksheet: one query, only then
        with_worksheet = set(
            SessionWorksheet.objects.filter(session__in=[s.id for s in home.recent]).values_list(
                "session_id", flat=True
            )
        )
        for session in home.recent:
            session.has_worksheet = session.id in with_worksheet
    check_ins = measure_queries.check_ins_due(request.user, [g.id for g in home.groups])
    for s in check_ins:
        s.check_in_url = link("measure_check_in", s.pk)
    return {"home": home, "urls": home_lines(home), "check_ins": check_ins}


def _session(request, session_id: int) -> GroupSession:
    return get_object_or_404(
        GroupSession.objects.for_participant(request.user).select_related("group"), pk=session_id
    )


@participant_page
def cant_make_it(request, session_id: int):
    session = _session(request, session_id)
    if request.method == "POST":
        try:
            services.notify_absence(
                session=session, participant=request.user, reason=request.POST.get("reason", "")
            )
        except ValidationError as error:
            report(request, error)
        else:
            messages.success(
                request,
                _(
                    "Thank you for letting us know. We'll miss you, and we hope to see you "
                    "next time."
                ),
            )
        return redirect("home")
    return render(request, "participation/cant_make_it.html", {"session": session})


@participant_page
@require_POST
def can_come_after_all(request, session_id: int):
    session = _session(request, session_id)
    try:
        services.withdraw_absence_notice(session=session, participant=request.user)
    except ValidationError as error:
        report(request, error)
    else:
        messages.success(request, _("Good news. We've told your facilitator you're coming."))
    return redirect("home")


# Calendars ------------------------------------------------------------------------------


def _ics_response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-cache"
    return response


@public
@never_cache
def calendar_feed(request, token: str):
    """The private feed address: the token is the only key, so it must be a live one."""
    user = get_object_or_404(User.objects.filter(is_active=True), calendar_token=token)
    with translation.override(user.language_in_use):  # a calendar app asks, not the person
        body = calendars.sessions_calendar(
            list(calendars.feed_sessions(user)), name=Organisation.current().name, person=user
        )
    return _ics_response(body, "together.ics")


@roles_required(Role.PARTICIPANT, Role.FACILITATOR)
def session_ics(request, session_id: int):
    session = get_object_or_404(
        GroupSession.objects.for_calendar_of(request.user).select_related("group"), pk=session_id
    )
    body = calendars.session_file(session, person=request.user)
    return _ics_response(body, f"session-{session.pk}.ics")


# My data --------------------------------------------------------------------------------


@signed_in
def my_data(request):
    audit.viewed(request, request.user, group_id=None, participant_id=request.user.pk)
    records = personal_records(request.user)
    return render(request, "participation/my_data.html", {"records": records})


@signed_in
def my_data_json(request):
    audit.viewed(request, request.user, group_id=None, participant_id=request.user.pk, export=True)
    response = JsonResponse(personal_data(request.user), json_dumps_params={"indent": 2})
    response["Content-Disposition"] = 'attachment; filename="together-my-data.json"'
    return response


@roles_required(Role.PARTICIPANT)
@require_POST
def place_answer(request, enrollment_id: int):
    """Yes or no to an invitation to join, or to a place offered from the waitlist."""
    enrollment = get_object_or_404(
        Enrollment.objects.filter(participant=request.user).select_related("group"),
        pk=enrollment_id,
    )
    accept = request.POST.get("answer") == "accept"
    try:
        group_services.answer_place(enrollment=enrollment, accept=accept)
    except ValidationError as error:
        report(request, error)
    else:
        name = enrollment.group.member_name
        messages.success(
            request,
            _("Welcome: you have a place in %(group)s.") % {"group": name}
            if accept
            else _("Thank you. We let %(group)s know.") % {"group": name},
        )
    return redirect("home")


@participant_page
@require_POST
def take_home_done(request, session_id: int):
    session = _session(request, session_id)
    try:
        services.set_take_home_done(
            session=session, participant=request.user, done=request.POST.get("done") == "yes"
        )
    except ValidationError as error:
        report(request, error)
    return redirect("home")
