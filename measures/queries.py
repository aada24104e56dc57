"""Reads about measures: which questionnaires a session asks, and who still has them to do."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext

from core.sql import Row, rows
from measures.instruments import INSTRUMENTS, Instrument
from measures.models import FollowUp, FollowUpReason, MeasurePlan, MeasureResponse, Schedule
from measures.scoring import Change, change
from members.models import full_name
from sessions.models import Attendance, GroupSession

# A session's questionnaires can be answered from this long before it starts (an emailed link
# lives as long) until this long after (in the room, or that evening).
OPEN_BEFORE = timedelta(days=4)
OPEN_AFTER = timedelta(hours=12)


def measures_for(session: GroupSession, plan: MeasurePlan | None = None) -> list[Instrument]:
    """The questionnaires asked before this session under its group's plan (read here unless
    the caller has it)."""
    plan = plan or MeasurePlan.objects.filter(group_id=session.group_id).first()
    if plan is None or session.status == GroupSession.Status.CANCELLED:
        return []
    if plan.schedule == Schedule.EVERY_SESSION:
        return plan.measures
    held = GroupSession.objects.filter(group_id=session.group_id).exclude(
        status=GroupSession.Status.CANCELLED
    )
    if plan.schedule == Schedule.EVERY_OTHER:
        earlier = held.filter(starts_at__lt=session.starts_at).count()
        return plan.measures if earlier % 2 == 0 else []
    ends = held.order_by("starts_at").values_list("pk", flat=True)
    return plan.measures if session.pk in (ends.first(), ends.last()) else []


# What a group without a plan is offered first, by its focus: asked before every session.
SUGGESTED = {"depression": ["phq9", "gad7"], "anxiety": ["gad7", "phq9"]}


def plan_choices(group, plan: MeasurePlan | None) -> dict:
    """The group's plan as a form shows it, or the suggestion for its focus if it has none."""
    if plan is not None:
        return {"instruments": plan.instruments, "schedule": plan.schedule}
    return {"instruments": SUGGESTED.get(group.focus, []), "schedule": Schedule.EVERY_SESSION}


def is_open(session: GroupSession, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return session.starts_at - OPEN_BEFORE <= now <= session.starts_at + OPEN_AFTER


def unanswered(session: GroupSession, participant) -> list[Instrument]:
    """This session's questionnaires the participant has not answered yet."""
    answered = set(
        MeasureResponse.objects.filter(session=session, participant=participant).values_list(
            "instrument", flat=True
        )
    )
    return [measure for measure in measures_for(session) if measure.code not in answered]


def sent_apologies(participant, sessions) -> set[int]:
    """The sessions (of these) the person will miss, by their own "I can't make it" or an
    apology the facilitator took: their check-ins are withdrawn until the apology is."""
    return set(
        Attendance.objects.filter(
            participant=participant, session__in=sessions, status=Attendance.Status.EXCUSED
        ).values_list("session_id", flat=True)
    )


def withdrawn(session: GroupSession, participant) -> bool:
    return session.pk in sent_apologies(participant, [session.pk])


def check_ins_due(participant, group_ids, now: datetime | None = None) -> list[GroupSession]:
    """Sessions whose questionnaires the participant can answer now and has not, for "You have
    a short check-in" on their home page: one plain query when no session of a group that asks
    any is open now (most visits), the plans and sessions read only when one is."""
    if not group_ids:
        return []
    now = now or timezone.now()
    open_now = rows(
        """
        SELECT s.id FROM group_sessions_groupsession s
          JOIN measures_measureplan p ON p.group_id = s.group_id
         WHERE s.group_id = ANY(%s) AND s.starts_at BETWEEN %s AND %s AND s.status <> %s
        """,
        [group_ids, now - OPEN_AFTER, now + OPEN_BEFORE, GroupSession.Status.CANCELLED],
    )
    if not open_now:
        return []
    sessions = list(
        GroupSession.objects.filter(pk__in=[s.id for s in open_now])
        .select_related("group")
        .order_by("starts_at")
    )
    plans = {
        plan.group_id: plan
        for plan in MeasurePlan.objects.filter(group__in={s.group_id for s in sessions})
    }
    answered = set(
        MeasureResponse.objects.filter(participant=participant, session__in=sessions).values_list(
            "session_id", "instrument"
        )
    )
    away = sent_apologies(participant, sessions)
    return [
        session
        for session in sessions
        if session.pk not in away
        and any(
            (session.pk, measure.code) not in answered
            for measure in measures_for(session, plans[session.group_id])
        )
    ]


# How soon someone needs a call: a safety answer or a risk note, then a follow-up already
# escalated (no one acknowledged it in time), then absences.
SAFETY, OVERDUE, ABSENCE = 0, 1, 2
SAFETY_REASONS = {FollowUpReason.RISK_ANSWER, FollowUpReason.RISK_NOTE}


def urgency(reason: str, escalations: int) -> int:
    if reason in SAFETY_REASONS:
        return SAFETY
    return OVERDUE if escalations else ABSENCE


def open_follow_ups(facilitator, *, unacknowledged_only: bool = False) -> list[Row]:
    """Open follow-ups in the groups this facilitator runs: those no one has acknowledged
    first, then the most urgent, then the oldest. Plain SQL (core/sql.py): the banner asks on
    every staff page."""
    found = rows(
        """
        SELECT f.id, f.reason, f.opened_at, f.acknowledged_at, f.escalations, f.participant_id,
               g.name AS group_name, u.first_name, u.last_name, u.display_name
          FROM measures_followup f
          LEFT JOIN therapy_groups_therapygroup g ON g.id = f.group_id
          JOIN members_user u ON u.id = f.participant_id
         WHERE f.closed_at IS NULL
           AND (f.group_id IN (SELECT therapygroup_id
                                 FROM therapy_groups_therapygroup_facilitators
                                WHERE user_id = %(facilitator)s)
                OR f.assigned_to_id = %(facilitator)s)
           AND (f.acknowledged_at IS NULL OR NOT %(unacknowledged_only)s)
        """,
        {"facilitator": facilitator.pk, "unacknowledged_only": unacknowledged_only},
    )
    for f in found:
        f.person = full_name(f.first_name, f.last_name, f.display_name)
        f.reason_label = FollowUpReason(f.reason).label
        f.group_name = f.group_name or gettext("their referral (before a group)")
        f.urgency = urgency(f.reason, f.escalations)
    found.sort(key=lambda f: (f.acknowledged_at is not None, f.urgency, f.opened_at, f.id))
    return found


def one_line_per_member(follow_ups: list[Row]) -> list[Row]:
    """The banner's lines: each member once, at their most urgent follow-up (the list is in
    that order already), with how many more they have."""
    lines: dict[int, Row] = {}
    for f in follow_ups:
        if f.participant_id in lines:
            lines[f.participant_id].more += 1
        else:
            f.more = 0
            lines[f.participant_id] = f
    return list(lines.values())


# Whether an open follow-up that no one has acknowledged waits for the person "u": read with
# their session (members.sessions.read_with_person), so that the banner's own query runs only
# when there is something to show. The same conditions as `open_follow_ups`.
FOLLOW_UPS_WAITING = """
    u.role = 'facilitator' AND EXISTS (
        SELECT 1 FROM measures_followup f
         WHERE f.closed_at IS NULL AND f.acknowledged_at IS NULL
           AND (f.group_id IN (SELECT therapygroup_id
                                 FROM therapy_groups_therapygroup_facilitators
                                WHERE user_id = u.id)
                OR f.assigned_to_id = u.id))
"""


def unacknowledged(facilitator) -> list[Row]:
    """What the banner on every page shows until someone acknowledges it: one line per member,
    the most urgent first."""
    return one_line_per_member(open_follow_ups(facilitator, unacknowledged_only=True))


def overdue_follow_ups(window_hours: int, now: datetime | None = None):
    """Open follow-ups no one acknowledged within the window, across the organisation, for
    admins: the group and the age, never who or why (the view shows only those)."""
    since = (now or timezone.now()) - timedelta(hours=window_hours)
    return (
        FollowUp.objects.open()
        .filter(acknowledged_at__isnull=True, opened_at__lte=since)
        .order_by("opened_at")
        .values("opened_at", "escalations", "group__name", "group_id")
    )


@dataclass
class Trend:
    """One person's answers to one questionnaire in one group, oldest first."""

    measure: Instrument
    responses: list[MeasureResponse]
    change: Change
    # The risk item's answer each time (PHQ-9 item 9) with its label, for instruments that
    # have one: 0 reads "Not at all", never "no risk".
    risk_answers: list[tuple[datetime, int, str]]


def trends(group, participant) -> list[Trend]:
    """Each questionnaire the person answered in this group, with its change: for the
    facilitators' record page (it decrypts item answers: audit the page)."""
    responses = (
        MeasureResponse.objects.filter(group=group, participant=participant)
        .in_session_order()
        .select_related("session")
    )
    by_code: dict[str, list[MeasureResponse]] = {}
    for response in responses:
        by_code.setdefault(response.instrument, []).append(response)
    found = []
    for code, measure in INSTRUMENTS.items():
        answered = by_code.get(code)
        if not answered:
            continue
        risk = []
        if measure.risk_item:
            for response in answered:
                answer = response.item_answers()[0][measure.risk_item - 1]
                risk.append((response.completed_at, answer, measure.options[answer]))
        found.append(Trend(measure, answered, change(measure, [r.total for r in answered]), risk))
    return found
