"""Everything the app holds about a person, for "My data" (JSON and a readable page).

What facilitators write about a person (session notes, attendance comments, leaving reasons)
is the organisation's clinical record, shown to participants nowhere else, so it is not part of
this download either; the page says how to ask for it. What the person wrote is.
"""

from measures import fhir
from measures.models import MeasureResponse
from members.models import AgreementAcceptance, User
from sessions.models import Attendance
from therapy_groups.models import Enrollment, Goal


def _iso(value):
    return value.isoformat() if value else None


def personal_data(user: User) -> dict:
    enrollments = (
        Enrollment.objects.filter(participant=user).select_related("group").order_by("created_at")
    )
    attendance = (
        Attendance.objects.filter(participant=user)
        .select_related("session__group")
        .order_by("session__starts_at")
    )
    goals = Goal.objects.of(user).select_related("group").prefetch_related("check_ins", "comments")
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
        "agreements": [
            {"version": a.agreement.version, "accepted_at": _iso(a.accepted_at)}
            for a in AgreementAcceptance.objects.filter(user=user).select_related("agreement")
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
        # The questionnaires they answered, as FHIR R4 (QuestionnaireResponse, Observation).
        "questionnaires": fhir.bundle(
            user, list(MeasureResponse.objects.of(user).order_by("completed_at", "pk"))
        ),
    }
