"""A group's record log in sentences: "Fran opened the group note of the Tue 24 Nov session."

The trail names records by type and id only (core.audit); this turns one page of it into words
with a fixed number of queries, one per kind of record on the page.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.utils import timezone
from django.utils.dateformat import format as format_date

from core.models import AuditEvent
from measures.models import FollowUp
from sessions.models import Addendum, Attendance, GroupNote, GroupSession, IndividualNote

Action = AuditEvent.Action
VERBS = {
    Action.CREATE: "added",
    Action.CHANGE: "changed",
    Action.DELETE: "removed",
    Action.SIGN: "signed",
    Action.ADDENDUM: "added",
    Action.VIEW: "opened",
    Action.EXPORT: "downloaded",
    Action.ESCALATE: "escalated",
}
OPENED = [Action.VIEW, Action.EXPORT, Action.DOWNLOAD]


@dataclass
class Entry:
    event: AuditEvent
    sentence: str


def _day(moment) -> str:
    return format_date(timezone.localtime(moment), "D j M")


def _session_days(events) -> dict[tuple[str, int], str]:
    """(object type, id) to the day of the session the record belongs to."""
    ids = defaultdict(set)
    for event in events:
        ids[event.object_type].add(event.object_id)
    days = {}
    for model, session_path in (
        (GroupSession, ""),
        (GroupNote, "session__"),
        (IndividualNote, "session__"),
        (Attendance, "session__"),
    ):
        wanted = ids.get(model._meta.label_lower)
        if wanted:
            rows = model.objects.filter(pk__in=wanted).values_list("pk", f"{session_path}starts_at")
            days |= {(model._meta.label_lower, pk): _day(start) for pk, start in rows}
    wanted = ids.get(Addendum._meta.label_lower)
    if wanted:
        for pk, group_start, own_start in Addendum.objects.filter(pk__in=wanted).values_list(
            "pk", "group_note__session__starts_at", "individual_note__session__starts_at"
        ):
            days[(Addendum._meta.label_lower, pk)] = _day(group_start or own_start)
    return days


def _record(event: AuditEvent, day: str | None) -> str:
    about = event.participant.short_name if event.participant else "someone"
    session = f"the {day} session" if day else "a session"
    return {
        "group_sessions.groupsession": session,
        "group_sessions.groupnote": f"the group note of {session}",
        "group_sessions.individualnote": f"the note about {about} of {session}",
        "group_sessions.attendance": f"{about}'s attendance at {session}",
        "group_sessions.addendum": f"an addendum to the notes of {session}",
        "group_sessions.absencefollowup": f"a follow-up date for {about}",
        "members.user": f"{about}'s record",
        "therapy_groups.therapygroup": "the group's attendance"
        if event.action in OPENED
        else "the group's details",
        "therapy_groups.enrollment": f"{about}'s place in the group",
        "therapy_groups.goal": f"{about}'s goal",
        "therapy_groups.goalcheckin": f"a check-in on {about}'s goal",
        "therapy_groups.goalcomment": f"a comment on {about}'s goal",
        "measures.measureresponse": f"{about}'s questionnaire answers",
        FollowUp._meta.label_lower: f"a follow-up about {about}",
    }.get(event.object_type, event.record_label.lower())


def sentences(events) -> list[Entry]:
    events = list(events)
    days = _session_days(events)
    entries = []
    for event in events:
        who = event.actor.short_name if event.actor else "Together (automatic)"
        verb = VERBS.get(event.action, event.get_action_display().lower())
        record = _record(event, days.get((event.object_type, event.object_id)))
        entries.append(Entry(event, f"{who} {verb} {record}."))
    return entries
