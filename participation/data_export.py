"""Everything the app holds about a person, for "My data" (JSON and a readable page).

What facilitators write about a person (session notes, attendance comments, leaving reasons)
is the organisation's clinical record, shown to participants nowhere else, so it is not part of
this download either; the page says how to ask for it. What the person wrote is.
"""

from dataclasses import dataclass

from measures import fhir
from measures.models import MeasureResponse
from members.models import REMINDER_HOUR_CHOICES, AgreementAcceptance, PersonRecord, User
from members.record import record_values
from pathways.models import DischargeSummary
from programmes.models import Worksheet
from sessions.models import Attendance
from therapy_groups.models import Enrollment, Goal

REMINDER_LABELS = dict(REMINDER_HOUR_CHOICES)


def _iso(value):
    return value.isoformat() if value else None


@dataclass
class PersonalRecords:
    """What the app holds about a person, read once: the page shows it in words and local
    times, the download as JSON."""

    user: User
    agreements: list[AgreementAcceptance]
    enrollments: list[Enrollment]
    attendance: list[Attendance]
    goals: list[Goal]
    contact: PersonRecord | None

    def letters(self):
        """Their signed discharge summaries, each a letter they may download."""
        return DischargeSummary.objects.filter(
            person=self.user, signed_at__isnull=False
        ).select_related("group")

    def record(self):
        """The clinic's record of them: each value set, and who entered it."""
        return record_values(self.contact)

    def account(self) -> list[tuple[str, object]]:
        """(label, value) for the page; reminder hours in words."""
        user = self.user
        hours = ", ".join(
            f"{REMINDER_LABELS.get(h, f'{h} hours')} before" for h in user.reminder_hours
        )
        return [
            ("Email", user.email),
            ("Name", user.get_full_name()),
            ("What the group calls you", user.display_name),
            ("Time zone", user.timezone),
            ("Session reminders", "On" if user.session_reminders else "Off"),
            ("Reminder times", hours or "The usual times"),
            ("Prompts between sessions", "On" if user.goal_prompts else "Off"),
            ("Joined", user.date_joined),
            ("Last signed in", user.last_login),
        ]


def personal_records(user: User) -> PersonalRecords:
    return PersonalRecords(
        user=user,
        agreements=list(AgreementAcceptance.objects.filter(user=user).select_related("agreement")),
        enrollments=list(
            Enrollment.objects.filter(participant=user)
            .select_related("group")
            .order_by("created_at")
        ),
        attendance=list(
            Attendance.objects.filter(participant=user)
            .select_related("session__group")
            .order_by("session__starts_at")
        ),
        goals=list(
            Goal.objects.of(user).select_related("group").prefetch_related("check_ins", "comments")
        ),
        contact=PersonRecord.objects.filter(person=user).first(),
    )


def personal_data(user: User) -> dict:
    records = personal_records(user)
    enrollments, attendance, goals = records.enrollments, records.attendance, records.goals
    return {
        "account": {
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "display_name": user.display_name,
            "role": user.role,
            "timezone": user.timezone,
            "session_reminders": user.session_reminders,
            "reminder_hours": user.reminder_hours,
            "goal_prompts": user.goal_prompts,
            "joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
        },
        # The clinic's record: every value, and who entered it (the person or the clinic).
        "record": [
            {
                "field": item.field,
                "label": item.label,
                "value": item.value,
                "entered_by": "you" if item.by_person else "the clinic",
            }
            for item in records.record()
        ],
        "agreements": [
            {"version": a.agreement.version, "accepted_at": _iso(a.accepted_at)}
            for a in records.agreements
        ],
        "groups": [
            {
                "group": e.group.member_name,
                "status": e.status,
                "joined_on": _iso(e.joined_on),
                "left_on": _iso(e.left_on),
            }
            for e in enrollments
        ],
        "attendance": [
            {
                "group": a.session.group.member_name,
                "session": _iso(a.session.starts_at),
                "status": a.status,
                # Their own "I can't make it" message; never a facilitator's comment.
                "your_message": a.comment if a.marked_by_id == user.pk else "",
            }
            for a in attendance
        ],
        "goals": [
            {
                "what": g.what,
                "why": g.why,
                "how_you_will_know": g.how_know,
                "by_when": _iso(g.by_when),
                "status": g.status,
                "shared": g.shared,
                "group": g.group.member_name,
                "created_at": _iso(g.created_at),
                "check_ins": [
                    {"at": _iso(c.created_at), "progress": c.progress, "note": c.note}
                    for c in g.check_ins.all()
                ],
                "comments": [{"at": _iso(c.created_at), "text": c.text} for c in g.comments.all()],
            }
            for g in goals
        ],
        # Their take-home worksheets, as they wrote them.
        "worksheets": [
            {
                "group": w.session.group.member_name,
                "session": _iso(w.session.starts_at),
                "worksheet": w.kind,
                "saved_at": _iso(w.updated_at),
                "rows": w.rows,
            }
            for w in Worksheet.objects.filter(participant=user)
            .select_related("session__group")
            .order_by("session__starts_at")
        ],
        # The questionnaires they answered, as FHIR R4 (QuestionnaireResponse, Observation).
        "questionnaires": fhir.bundle(
            user, list(MeasureResponse.objects.of(user).order_by("completed_at", "pk"))
        ),
    }
