"""Facilitator pages: groups, rosters, sessions, attendance and notes.

They live in this app because they show sessions, and therapy_groups cannot import it.
Every object comes through a scoping queryset, so another group's ids answer 404.
"""

import csv
from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import audit
from core.charts import progress_chart, score_chart
from core.csv_safety import csv_safe
from core.feedback import ask_once, confirmed, report
from facilitation import measures, record_log
from facilitation.attendance import attendance_rows
from facilitation.forms import (
    AddendumForm,
    AttendanceForm,
    CancelSessionForm,
    ChangeSessionForm,
    EndEnrollmentForm,
    GroupProgrammeForm,
    InviteForm,
    PlanForm,
    ScheduleForm,
)
from facilitation.group_page import grid_links, group_links
from facilitation.scoping import group_for, member_of, session_for
from measures import fhir
from measures import queries as measure_queries
from measures.models import MeasureResponse
from members import text_numbers
from members.access import answers_page, roles_required
from members.models import Organisation, PersonRecord, Role
from programmes import queries as programme_queries
from programmes import services as programme_services
from programmes import worksheets
from sessions import queries, services
from sessions.models import (
    Attendance,
    IndividualNote,
)
from sessions.notes import notes_signed
from sessions.recurrence import local_to_utc
from therapy_groups import services as group_services
from therapy_groups.forms import GroupForm
from therapy_groups.models import Enrollment, Goal, GoalComment, TherapyGroup

facilitator_only = roles_required(Role.FACILITATOR)
TRAIL_PAGE_SIZE = 50
GRID_PAGE_SESSIONS = 26  # half a year of weekly sessions; the CSV has them all
RECORD_LATEST = 12  # sessions on a participant's record page
RECORD_NOTES_PAGE = 10


# Groups ---------------------------------------------------------------------------------


@facilitator_only
def group_list(request):
    groups = queries.facilitator_groups(request.user)
    return render(request, "facilitation/group_list.html", {"groups": groups})


@facilitator_only
def group_create(request):
    posted = request.POST if request.method == "POST" else None
    form = GroupForm(posted, facilitator=request.user)
    programme = GroupProgrammeForm(posted)
    if posted and form.is_valid() and programme.is_valid():
        data = dict(form.cleaned_data)
        co_facilitators = data.pop("co_facilitators")
        with transaction.atomic():
            group = group_services.create_group(
                facilitators=[request.user, *co_facilitators], **data
            )
            _follow(group, programme, request.user)
        messages.success(
            request, _("%(group)s is ready. Next: schedule its sessions.") % {"group": group.name}
        )
        return redirect("session_schedule", group_id=group.pk)
    return render(
        request, "facilitation/group_form.html", {"form": form, "programme_form": programme}
    )


def _follow(group: TherapyGroup, form: GroupProgrammeForm, by) -> None:
    """The group follows the chosen programme: its latest version when newly chosen or when
    asked to move on, otherwise the version it follows already."""
    template = form.cleaned_data["programme"]
    followed = programme_queries.followed_by(group)
    same = followed is not None and template is not None and followed.version.template == template
    if same and not form.cleaned_data.get("move_on"):
        return
    programme_services.follow_programme(
        group=group, version=template.current if template else None, by=by
    )


@facilitator_only
def group_edit(request, group_id: int):
    group = group_for(request, group_id)
    posted = request.POST if request.method == "POST" else None
    form = GroupForm(posted, instance=group, facilitator=request.user)
    followed = programme_queries.followed_by(group)
    programme = GroupProgrammeForm(
        posted,
        initial={"programme": followed.version.template_id if followed else None},
        followed=followed,
    )
    if posted and form.is_valid() and programme.is_valid():
        data = dict(form.cleaned_data)
        co_facilitators = data.pop("co_facilitators")
        with transaction.atomic():
            group_services.change_group(group=group, **data)
            group_services.set_facilitators(
                group=group, facilitators=[request.user, *co_facilitators]
            )
            _follow(group, programme, request.user)
        messages.success(request, _("Group details saved."))
        return redirect("group_detail", group_id=group.pk)
    return render(
        request,
        "facilitation/group_form.html",
        {"form": form, "group": group, "programme_form": programme},
    )


@facilitator_only
@require_POST
def group_status(request, group_id: int):
    group = group_for(request, group_id)
    status = request.POST.get("status", "")
    if status in (TherapyGroup.Status.FINISHED, TherapyGroup.Status.ARCHIVED) and not confirmed(
        request
    ):
        coming = group.sessions.not_cancelled().filter(starts_at__gt=timezone.now()).count()
        return ask_once(
            request,
            question=_("Mark %(group)s as %(status)s?")
            % {"group": group.name, "status": TherapyGroup.Status(status).label.lower()},
            consequences=ngettext(
                "Its %(coming)s coming session is cancelled, and members are told and get no "
                "more reminders. Its records stay.",
                "Its %(coming)s coming sessions are cancelled, and members are told and get no "
                "more reminders. Its records stay.",
                coming,
            )
            % {"coming": coming}
            if coming
            else _("It has no coming sessions. Its records stay."),
            button=_("Yes, mark it %(status)s")
            % {"status": TherapyGroup.Status(status).label.lower()},
            back=reverse("group_detail", args=[group.pk]),
        )
    try:
        cancelled = services.set_group_status(group=group, status=status)
    except ValidationError as error:
        report(request, error)
    else:
        status = group.get_status_display().lower()
        messages.success(
            request,
            ngettext(
                "The group is now %(status)s. Its %(cancelled)s coming session is cancelled and "
                "members told.",
                "The group is now %(status)s. Its %(cancelled)s coming sessions are cancelled and "
                "members told.",
                cancelled,
            )
            % {"status": status, "cancelled": cancelled}
            if cancelled
            else _("The group is now %(status)s.") % {"status": status},
        )
    return redirect("group_detail", group_id=group.pk)


@facilitator_only
def group_detail(request, group_id: int):
    group = group_for(request, group_id)
    audit.viewed(request, group, group_id=group.pk)  # it shows attendance
    page = queries.group_page(group, now=timezone.now())
    grid = queries.attendance_grid(group, limit=8)
    return render(
        request,
        "facilitation/group_detail.html",
        {
            "group": group,
            "page": page,
            "grid": grid,
            "urls": group_links(group.pk, page, grid),
            "seats_free": group_services.seats_free(group),
            "programme": programme_queries.followed_by(group),
            "end_form": EndEnrollmentForm(initial={"left_on": timezone.localdate()}),
        },
    )


@facilitator_only
def group_invite(request, group_id: int):
    group = group_for(request, group_id)
    form = InviteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            enrollment = group_services.invite_to_group(
                group=group,
                email=form.cleaned_data["email"],
                invited_by=request.user,
                cohort_started=queries.cohort_started(group),
                override_reason=form.cleaned_data["override_reason"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            outcome = {
                Enrollment.Status.INVITED: _("%(email)s has been invited by email."),
                Enrollment.Status.WAITLISTED: _("%(email)s is on the waitlist: the group is full."),
            }[enrollment.status]
            messages.success(request, outcome % {"email": form.cleaned_data["email"]})
            return redirect("group_detail", group_id=group.pk)
    return render(
        request,
        "facilitation/group_invite.html",
        {
            "group": group,
            "form": form,
            "closed_and_started": group.is_closed_cohort and queries.cohort_started(group),
        },
    )


@facilitator_only
def enrollment_end(request, group_id: int, enrollment_id: int):
    group = group_for(request, group_id)
    enrollment = get_object_or_404(
        group.enrollments.live().select_related("participant", "invitation"), pk=enrollment_id
    )
    form = EndEnrollmentForm(
        request.POST if request.method == "POST" else None,
        initial={"left_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            group_services.end_enrollment(enrollment=enrollment, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("%(person)s has left the group. Their history stays.")
                % {"person": enrollment.person_label},
            )
            return redirect("group_detail", group_id=group.pk)
    return render(
        request,
        "facilitation/enrollment_end.html",
        {"group": group, "enrollment": enrollment, "form": form},
    )


@facilitator_only
@require_POST
def seat_confirm(request, group_id: int, enrollment_id: int):
    group = group_for(request, group_id)
    enrollment = get_object_or_404(group.enrollments, pk=enrollment_id)
    try:
        group_services.accept_offer(enrollment=enrollment)
        messages.success(
            request, _("%(person)s has the free place.") % {"person": enrollment.person_label}
        )
    except ValidationError as error:
        report(request, error)
    return redirect("group_detail", group_id=group.pk)


@facilitator_only
def attendance_grid(request, group_id: int):
    group = group_for(request, group_id)
    audit.viewed(request, group, group_id=group.pk)
    page = Paginator(queries.held_sessions(group), GRID_PAGE_SESSIONS).get_page(
        request.GET.get("page")
    )
    grid = queries.attendance_grid(group, sessions=page)
    grid_links(group.pk, grid)
    return render(
        request, "facilitation/attendance_grid.html", {"group": group, "grid": grid, "page": page}
    )


@facilitator_only
def attendance_csv(request, group_id: int):
    group = group_for(request, group_id)
    grid = queries.attendance_grid(group)
    audit.viewed(request, group, group_id=group.pk, export=True)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="attendance-group-{group.pk}.csv"'
    writer = csv.writer(response)
    writer.writerow(
        ["Participant", *(s.local_date.isoformat() for s in grid.sessions), "Attendance rate"]
    )
    for row in grid.rows:
        rate = "" if row.rate is None else f"{row.rate:.0%}"
        cells = ["not enrolled" if c is None else c for c in row.cells]
        writer.writerow([csv_safe(row.participant.name), *cells, rate])
    return response


@answers_page
def participant_record(request, group_id: int, participant_id: int):
    group = group_for(request, group_id)
    participant = member_of(group, participant_id)
    attendance = Attendance.objects.filter(session__group=group, participant=participant)
    notes = (
        IndividualNote.objects.filter(session__group=group, participant=participant)
        .select_related("session", "signed_by")
        .prefetch_related("addenda")
        .order_by("-session__starts_at")
    )
    goals = list(
        Goal.objects.filter(group=group, participant=participant)
        .exclude(status=Goal.Status.DECLINED)
        .prefetch_related(
            "check_ins", Prefetch("comments", GoalComment.objects.select_related("author"))
        )
    )
    for goal in goals:
        goal.chart = progress_chart(goal.check_ins.all(), label=goal.what)
    trends = measure_queries.trends(group, participant)
    for trend in trends:
        # Each score on the day of the session it is for (when it arrived, if it has none).
        trend.points = [
            (timezone.localtime(r.session.starts_at if r.session else r.completed_at), r)
            for r in trend.responses
        ]
        trend.chart = score_chart(
            [(day, r.total) for day, r in trend.points],
            maximum=trend.measure.max_total,
            bands=[(band.low, band.high, band.label) for band in trend.measure.bands],
            label=trend.measure.name,
            marked={i for i, (_, answer, _) in enumerate(trend.risk_answers) if answer},
        )
    context = {
        "trends": trends,
        "group": group,
        "participant": participant,
        "goals": goals,
        "enrollments": group.enrollments.filter(participant=participant).order_by("created_at"),
        # The latest sessions and notes; the grid and the pages of notes hold the rest.
        "attendance": attendance.select_related("session").order_by("-session__starts_at")[
            :RECORD_LATEST
        ],
        "notes": Paginator(notes, RECORD_NOTES_PAGE).get_page(request.GET.get("page")),
        "rate": queries.attendance_rate(attendance.values_list("status", flat=True)),
        "contact": PersonRecord.objects.filter(person=participant).first(),
        "text_number": text_numbers.checked_number(participant),
        "progress": programme_queries.progress(group, participant),
    }
    audit.viewed(request, participant, group_id=group.pk, participant_id=participant.pk)
    return render(request, "facilitation/participant_record.html", context)


@facilitator_only
def group_audit(request, group_id: int):
    group = group_for(request, group_id)
    # Changes by default; who opened which record only when asked for.
    with_views = request.GET.get("views") == "all"
    trail = audit.group_trail(group.pk)
    if not with_views:
        trail = trail.exclude(action__in=record_log.OPENED)
    page = Paginator(trail, TRAIL_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "group": group,
        "page": page,
        "entries": record_log.sentences(page.object_list),
        "with_views": with_views,
    }
    return render(request, "facilitation/group_audit.html", context)


# Sessions -------------------------------------------------------------------------------


@facilitator_only
def session_schedule(request, group_id: int):
    group = group_for(request, group_id)
    followed = programme_queries.followed_by(group)
    form = ScheduleForm(
        request.POST if request.method == "POST" else None,
        initial={
            "duration": group.default_duration,
            "first_date": timezone.localdate(),
            # A group on a programme is offered a series of its sessions, one each.
            **({"repeat": "weekly", "count": followed.version.modules.count()} if followed else {}),
        },
    )
    clashes, dates, skip = [], [], set()
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        once = data["repeat"] == "once"
        try:
            # "Skip this date" ticked in the preview (a series only): ISO dates, or refused.
            skip = set() if once else {date.fromisoformat(d) for d in request.POST.getlist("skip")}
        except ValueError:
            form.add_error(None, _("A date to skip was not a date. Show the dates again."))
        try:
            starts = (
                [local_to_utc(data["first_date"], data["at"], group.timezone)]
                if once
                else services.series_starts(
                    group=group,
                    frequency=data["repeat"],
                    first_date=data["first_date"],
                    at=data["at"],
                    count=data["count"],
                    until=data["until"],
                    skip=skip,
                )
            )
        except ValidationError as error:
            form.add_error(None, error)
            starts = []
        clashes = services.find_double_bookings(
            group=group, starts=starts, duration=data["duration"]
        )
        dates = queries.planned_dates(
            starts, zone=group.timezone, country=Organisation.current().holiday_country
        )
        # The dates are shown first, with holidays, past dates and clashes; then scheduled.
        # A date skipped since the dates were shown brings a later one: shown first too.
        seen = request.POST.get("previewed_skip", "") == skip_key(skip)
        if starts and confirmed(request) and seen and not form.errors:
            common = {
                "group": group,
                "at": data["at"],
                "duration": data["duration"],
                "location": data["location"],
                "video_link": data["video_link"],
            }
            with transaction.atomic():  # each session planned from the programme, or none made
                if once:
                    session = services.schedule_session(day=data["first_date"], **common)
                    programme_services.plan_from_programme(sessions=[session])
                else:
                    series = services.schedule_series(
                        frequency=data["repeat"],
                        first_date=data["first_date"],
                        count=data["count"],
                        until=data["until"],
                        created_by=request.user,
                        skip=skip,
                        **common,
                    )
                    programme_services.plan_from_programme(sessions=list(series.sessions.all()))
            if once:
                messages.success(request, _("Session scheduled."))
                return redirect("session_detail", session_id=session.pk)
            messages.success(
                request,
                ngettext(
                    "%(count)s session scheduled.", "%(count)s sessions scheduled.", len(starts)
                )
                % {"count": len(starts)},
            )
            return redirect("group_detail", group_id=group.pk)
    return render(
        request,
        "facilitation/session_schedule.html",
        {
            "group": group,
            "form": form,
            "clashes": clashes,
            "dates": dates,
            "skipped": sorted(skip),
            "skip_key": skip_key(skip),
            "series": form.is_bound and form.cleaned_data.get("repeat", "once") != "once",
            "programme": followed,
        },
        status=400 if form.errors else 200,
    )


def skip_key(skip) -> str:
    return ",".join(day.isoformat() for day in sorted(skip))


@facilitator_only
def session_detail(request, session_id: int):
    session = queries.session_page(request.user, session_id)
    if session is None:
        raise Http404
    audit.viewed(request, session, group_id=session.group_id)
    note = getattr(session, "note", None)  # None when there is no note yet
    # Most notes have no addendum: ask for them only when there are some.
    has_addenda = note is not None and session.note_has_addenda
    attendance_open = services.attendance_open(session)
    rows = attendance_rows(
        session.pk, queries.attendance_list(session), attendance_open=attendance_open
    )
    return render(
        request,
        "facilitation/session_detail.html",
        {
            "session": session,
            "group": session.group,
            "note": note,
            "addenda": note.addenda.select_related("signed_by") if has_addenda else (),
            "notes_signed": note is not None and note.is_signed,
            "rows": rows,
            "measures_waiting": measures.waiting(session, rows),
            "attendance_open": attendance_open,
            "started": session.starts_at <= timezone.now(),
            "addendum_form": AddendumForm(),
            "worksheets": worksheets.read_for_session(session, get_language()),
        },
    )


@facilitator_only
def session_change(request, session_id: int):
    session = session_for(request, session_id)
    local = timezone.localtime(session.starts_at, session.group_zone)
    form = ChangeSessionForm(
        request.POST if request.method == "POST" else None,
        initial={
            "day": local.date(),
            "at": local.time(),
            "duration": session.duration,
            "location": session.location,
            "video_link": session.video_link,
            "topic": session.topic,
        },
    )
    clashes, into_the_past = [], False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        start = local_to_utc(data["day"], data["at"], session.group.timezone)
        clashes = services.find_double_bookings(
            group=session.group, starts=[start], duration=data["duration"]
        )
        # A new time already gone (a typo in the year, say) is asked about once, like a clash.
        into_the_past = start != session.starts_at and start < timezone.now()
        warned = bool(clashes or into_the_past)
        if not warned or request.POST.get("confirm_clash"):
            try:
                changed = services.change_session(session=session, **data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    ngettext(
                        "%(count)s session changed.", "%(count)s sessions changed.", len(changed)
                    )
                    % {"count": len(changed)},
                )
                return redirect("session_detail", session_id=session.pk)
    return render(
        request,
        "facilitation/session_change.html",
        {"session": session, "form": form, "clashes": clashes, "into_the_past": into_the_past},
    )


@facilitator_only
def session_cancel(request, session_id: int):
    session = session_for(request, session_id)
    form = CancelSessionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.cancel_session(session=session, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("Session cancelled. It stays on the schedule, marked cancelled.")
            )
            return redirect("session_detail", session_id=session.pk)
    return render(request, "facilitation/session_cancel.html", {"session": session, "form": form})


@facilitator_only
@require_POST
def session_status(request, session_id: int):
    session = session_for(request, session_id)
    try:
        services.set_session_status(session=session, status=request.POST.get("status", ""))
    except ValidationError as error:
        report(request, error)
    return redirect("session_detail", session_id=session.pk)


@facilitator_only
def session_plan(request, session_id: int):
    session = session_for(request, session_id)
    chosen = worksheets.set_by(session)
    form = PlanForm(
        request.POST if request.method == "POST" else None,
        instance=session,
        initial={"worksheet": chosen.slug if chosen else ""},
    )
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            kind = worksheets.KINDS.get(form.cleaned_data["worksheet"])
            worksheets.set_worksheet(session=session, kind=kind)
        messages.success(request, _("Session plan saved."))
        return redirect("session_detail", session_id=session.pk)
    return render(request, "facilitation/session_plan.html", {"session": session, "form": form})


@facilitator_only
@require_POST
def attendance_mark(request, session_id: int, participant_id: int):
    session = session_for(request, session_id)
    participant = member_of(session.group, participant_id)
    form = AttendanceForm(request.POST)
    error = None
    if form.is_valid():
        try:
            services.mark_attendance(
                session=session,
                participant=participant,
                status=form.cleaned_data["status"],
                marked_by=request.user,
                comment=form.cleaned_data["comment"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
    elif "reason" in form.errors:
        error = "Keep the reason to 300 characters."
    else:
        error = "Choose one of the attendance options."
    if request.headers.get("HX-Request"):
        # Redrawn as the service sees it: a refused row keeps its buttons off.
        attendance_open = services.attendance_open(session)
        row = next(
            iter(
                attendance_rows(
                    session.pk,
                    queries.attendance_list(session, participant_id=participant.pk),
                    attendance_open=attendance_open,
                )
            ),
            None,
        )
        if row is None:
            raise Http404
        response = render(
            request,
            "facilitation/session_detail.html#attendance_row",
            {
                "session": session,
                "row": row,
                "attendance_open": attendance_open,
                "notes_signed": notes_signed(session),
                "error": error,
            },
        )
        return response
    if error:
        messages.error(request, error)
    return redirect("session_detail", session_id=session.pk)


@facilitator_only
@require_POST
def attendance_all_present(request, session_id: int):
    session = session_for(request, session_id)
    try:
        count = services.mark_everyone_present(session=session, marked_by=request.user)
        messages.success(
            request,
            ngettext("Marked %(count)s person present.", "Marked %(count)s people present.", count)
            % {"count": count},
        )
    except ValidationError as error:
        report(request, error)
    return redirect("session_detail", session_id=session.pk)


# Participants ---------------------------------------------------------------------------


@answers_page
def participant_measures_fhir(request, group_id: int, participant_id: int):
    """A member's questionnaires in this group as a FHIR R4 Bundle (JSON), for another system."""
    group = group_for(request, group_id)
    participant = member_of(group, participant_id)
    responses = MeasureResponse.objects.filter(group=group, participant=participant).order_by(
        "completed_at", "pk"
    )
    audit.viewed(
        request, participant, group_id=group.pk, participant_id=participant.pk, export=True
    )
    response = JsonResponse(fhir.bundle(participant, list(responses)))
    response["Content-Type"] = "application/fhir+json"
    response["Content-Disposition"] = (
        f'attachment; filename="questionnaires-{group.pk}-{participant.pk}.fhir.json"'
    )
    return response
