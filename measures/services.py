"""Writes about measures: answers scored and kept, and the safety follow-ups risk answers open."""

import json
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import outbox
from measures.instruments import INSTRUMENTS, Instrument
from measures.messages import FOLLOW_UP_ALERT
from measures.models import (
    ONE_ANSWER_PER_BOOSTER,
    ONE_ANSWER_PER_SESSION,
    Channel,
    ContactAttempt,
    ContactMethod,
    FollowUp,
    FollowUpAction,
    FollowUpReason,
    MeasurePlan,
    MeasureResponse,
    NextStep,
    Schedule,
)
from measures.scoring import score
from members.models import User
from sessions.models import GroupSession, IndividualNote
from therapy_groups.models import Enrollment, TherapyGroup


def set_measure_plan(
    *, group: TherapyGroup, instruments: Sequence[str], schedule: str
) -> MeasurePlan | None:
    """Choose which questionnaires the group's members answer, and before which sessions;
    choosing none stops asking (answers already given stay)."""
    if any(code not in INSTRUMENTS for code in instruments):
        raise ValidationError(_("Choose from the questionnaires listed."))
    if schedule not in Schedule.values:
        raise ValidationError(_("Choose when the questionnaires are asked."))
    if not instruments:
        MeasurePlan.objects.filter(group=group).delete()
        return None
    chosen = [code for code in INSTRUMENTS if code in instruments]  # the listed order
    plan, __ = MeasurePlan.objects.update_or_create(
        group=group, defaults={"instruments": chosen, "schedule": schedule}
    )
    return plan


@transaction.atomic
def record_answers(
    *,
    participant: User,
    group: TherapyGroup | None,
    instrument: Instrument,
    answers: Sequence[int | None],
    difficulty: int | None = None,
    session: GroupSession | None = None,
    channel: Channel,
    language: str = "en",
    clinician: User | None = None,
    after_months: int | None = None,
) -> MeasureResponse:
    """Keep a completed questionnaire with its total and band, and the language its questions
    were shown in. Any answer above 0 to a risk item (PHQ-9 item 9), whatever the total, opens
    a follow-up for the group's facilitators; before the person has a group (`group` None, at
    their screening), for the `clinician` handling them. A booster check-in, `after_months`
    after discharge, is kept with the group it followed (the member has left it)."""
    if group is None and clinician is None:
        raise ValueError("Answers outside a group need the clinician who acts on them.")
    member = Enrollment.objects.filter(group=group, participant=participant)
    if after_months is None:
        member = member.filter(status=Enrollment.Status.ACTIVE)
    if group is not None and not member.exists():
        raise ValidationError(_("These questions are for members of the group."))
    if session is not None and (group is None or session.group_id != group.pk):
        raise ValidationError(_("That session is not one of this group's."))
    scored = score(instrument, answers, difficulty)
    response = MeasureResponse(
        participant=participant,
        group=group,
        session=session,
        instrument=instrument.code,
        language=language,
        answers=json.dumps({"items": list(scored.answers), "difficulty": scored.difficulty}),
        total=scored.total,
        band=scored.band.label,
        channel=channel,
        after_months=after_months,
    )
    try:
        with transaction.atomic():
            response.save()
    except IntegrityError as refused:  # answered already (a second tab, a double tap)
        constraint = getattr(refused.__cause__.diag, "constraint_name", "")
        if constraint not in (ONE_ANSWER_PER_SESSION, ONE_ANSWER_PER_BOOSTER):
            raise
        raise ValidationError(
            _("This questionnaire is already answered for that session."), code="answered"
        ) from refused
    if scored.risk_answer:
        open_follow_up(
            group=group,
            participant=participant,
            reason=FollowUpReason.RISK_ANSWER,
            response=response,
            assigned_to=clinician if group is None else None,
        )
    return response


@transaction.atomic
def open_follow_up(
    *,
    group: TherapyGroup | None,
    participant: User,
    reason: FollowUpReason,
    response: MeasureResponse | None = None,
    note: IndividualNote | None = None,
    last_absence: GroupSession | None = None,
    assigned_to: User | None = None,
) -> FollowUp:
    """Open a follow-up and alert at once every facilitator of the group (or, before the person
    has one, the clinician it is assigned to): the banner on their pages (from the open row)
    and a discreet email, sent with the row in the same commit."""
    follow_up = FollowUp.objects.create(
        group=group,
        participant=participant,
        reason=reason,
        response=response,
        note=note,
        last_absence=last_absence,
        assigned_to=assigned_to,
    )
    for facilitator in responsible_for(follow_up):
        outbox.notify_person(
            kind=FOLLOW_UP_ALERT,
            person=facilitator,
            subject_id=follow_up.pk,
            occurrence=follow_up.opened_at,
        )
    return follow_up


def responsible_for(follow_up: FollowUp) -> list[User]:
    """Who is alerted and acts: the group's active facilitators, or the assigned clinician."""
    if follow_up.group_id is None:
        clinician = follow_up.assigned_to
        return [clinician] if clinician is not None and clinician.is_active else []
    return list(follow_up.group.facilitators.filter(is_active=True))


def open_follow_up_once(**fields) -> bool:
    """Open a follow-up unless its source (a note, an absence) already has one: the unique
    constraints decide, so two beats at once open it once. Whether this call opened it."""
    try:
        with transaction.atomic():
            open_follow_up(**fields)
    except IntegrityError:
        return False
    return True


# What a facilitator can choose (NOT_RECORDED marks only follow-ups closed before it was asked).
NEXT_STEPS = [step for step in NextStep.values if step != NextStep.NOT_RECORDED]


def _locked(follow_up: FollowUp) -> FollowUp:
    return FollowUp.objects.select_for_update().get(pk=follow_up.pk)


@transaction.atomic
def acknowledge_follow_up(*, follow_up: FollowUp, by: User) -> FollowUp:
    """Someone has it in hand. The first acknowledgement stands; a second changes nothing."""
    current = _locked(follow_up)
    if current.acknowledged_at is None:
        current.acknowledged_at = timezone.now()
        current.acknowledged_by = by
        current.save(update_fields=["acknowledged_at", "acknowledged_by"])
    return current


@transaction.atomic
def record_attempt(*, follow_up: FollowUp, by: User) -> ContactAttempt:
    """A try that did not reach them: it stays open (and in hand), and everyone sees the try."""
    current = acknowledge_follow_up(follow_up=follow_up, by=by)
    if current.closed_at is not None:
        raise ValidationError(_("This follow-up is already closed."))
    return ContactAttempt.objects.create(follow_up=current, by=by)


@transaction.atomic
def close_follow_up(
    *,
    follow_up: FollowUp,
    by: User,
    contact: str,
    actions: Sequence[str],
    outcome: str,
    next_step: str = "",
) -> FollowUp:
    """Close it with what was done: how contact was made (or that no one could reach them,
    and then what was done instead), the actions taken, and what happened (the database
    refuses a close without them, from any writer)."""
    if contact not in ContactMethod.values:
        raise ValidationError(_("Say how you made contact, or that you could not reach them."))
    if not actions or any(action not in FollowUpAction.values for action in actions):
        raise ValidationError(_("Choose at least one thing that was done."))
    if contact == ContactMethod.NOT_REACHED:
        if next_step not in NEXT_STEPS:
            raise ValidationError(_("Say what was done instead, as no one could reach them."))
    else:
        next_step = ""
    outcome = outcome.strip()
    if not outcome:
        raise ValidationError(_("Write what happened, in a few words."))
    current = _locked(follow_up)
    if current.closed_at is not None:
        raise ValidationError(_("This follow-up is already closed."))
    now = timezone.now()
    if current.acknowledged_at is None:  # closing it is the strongest acknowledgement
        current.acknowledged_at, current.acknowledged_by = now, by
    current.closed_at, current.closed_by = now, by
    current.contact, current.outcome, current.next_step = contact, outcome, next_step
    current.actions = list(dict.fromkeys(actions))  # in the order given, once each
    current.save()
    return current
