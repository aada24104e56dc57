"""Writes about groups and rosters: creating groups, inviting, the waitlist, leaving."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import outbox
from members.models import Invitation, Role, User
from members.services import create_invitation
from therapy_groups.messages import ADDED_TO_GROUP, WAITLIST_OFFER
from therapy_groups.models import Enrollment, Goal, GoalCheckIn, GoalComment, TherapyGroup


@transaction.atomic
def create_group(*, facilitators: list[User], **fields) -> TherapyGroup:
    group = TherapyGroup.objects.create(**fields)
    set_facilitators(group=group, facilitators=facilitators)
    return group


@transaction.atomic
def change_group(*, group: TherapyGroup, **fields) -> TherapyGroup:
    """Save a group's details; room made by a larger capacity goes to the waitlist at once."""
    group = _lock(group)
    for name, value in fields.items():
        setattr(group, name, value)
    group.full_clean()
    group.save()
    offer_free_seats(group=group)
    return group


def set_facilitators(*, group: TherapyGroup, facilitators) -> None:
    if not facilitators:
        raise ValidationError(_("A group needs at least one facilitator."))
    group.facilitators.set(facilitators)


def seats_free(group: TherapyGroup) -> int:
    return max(group.capacity - group.enrollments.seated().count(), 0)


def _lock(group: TherapyGroup) -> TherapyGroup:
    """Serialise roster changes of one group, so two joins cannot take the last seat. (One
    request may lock two groups, a place given back and one offered: each its own row.)"""
    return TherapyGroup.objects.select_for_update().filter(pk=group.pk).first()


@transaction.atomic
def invite_to_group(
    *,
    group: TherapyGroup,
    email: str,
    invited_by: User,
    cohort_started: bool,
    override_reason: str = "",
) -> Enrollment:
    """Invite someone to a group by email: an account holder is asked to join (they accept or
    decline), a new person is invited to sign up. Either way the facilitator learns nothing
    about whether the address has an account: the outcome and the roster read the same.

    A full group puts them on the waitlist. A closed cohort that has met refuses them unless the
    facilitator gives a reason to override.
    """
    group = _lock(group)
    email = email.strip().lower()
    if group.status != TherapyGroup.Status.ACTIVE:
        raise ValidationError(_("This group is not active, so no one can join it."))
    if group.is_closed_cohort and cohort_started and not override_reason.strip():
        raise ValidationError(
            _("This closed group has already met. To add someone anyway, give a reason.")
        )
    existing = User.objects.filter(email__iexact=email).first()
    # An account made from a referral has no password yet: the invitation is how the person
    # chooses one, so they are invited by address like someone new.
    signed_up = existing is not None and existing.has_usable_password()
    if existing is not None and existing.role != Role.PARTICIPANT:
        raise ValidationError(_("That email belongs to a staff account, not a participant."))
    live = group.enrollments.live()
    if (existing and live.filter(participant=existing).exists()) or live.filter(
        participant__isnull=True, invitation__email__iexact=email
    ).exists():
        raise ValidationError(_("This person is already in the group or on its waitlist."))

    now = timezone.now()
    enrollment = Enrollment(group=group, created_at=now, override_reason=override_reason.strip())
    has_seat = seats_free(group) > 0
    if signed_up:
        enrollment.participant = existing
        enrollment.status = Enrollment.Status.INVITED if has_seat else Enrollment.Status.WAITLISTED
    else:
        enrollment.invitation, __ = create_invitation(
            email=email, role=Role.PARTICIPANT, invited_by=invited_by
        )
        enrollment.status = Enrollment.Status.INVITED if has_seat else Enrollment.Status.WAITLISTED
    if not has_seat:
        enrollment.waitlisted_at = now
    enrollment.save()
    if signed_up and enrollment.status == Enrollment.Status.INVITED:
        outbox.notify_person(
            kind=ADDED_TO_GROUP,
            person=existing,
            subject_id=enrollment.pk,
            occurrence=enrollment.created_at,
        )
    return enrollment


@transaction.atomic
def claim_invited_enrollments(*, invitation: Invitation, user: User) -> None:
    """The invited person signed up: their waiting enrollments become theirs."""
    for enrollment in Enrollment.objects.select_for_update().filter(
        invitation=invitation, participant__isnull=True
    ):
        enrollment.participant = user
        if enrollment.status == Enrollment.Status.INVITED:
            enrollment.status = Enrollment.Status.ACTIVE
            enrollment.joined_on = timezone.localdate()
        enrollment.save(update_fields=["participant", "status", "joined_on"])
    outbox.plan_for_person(user)


@transaction.atomic
def end_enrollment(*, enrollment: Enrollment, status: str, reason: str = "", left_on=None) -> None:
    """Someone completes or leaves the group (or the waitlist). Their history stays."""
    if status not in (Enrollment.Status.COMPLETED, Enrollment.Status.WITHDRAWN):
        raise ValidationError(_("An enrollment ends as completed or withdrawn."))
    if enrollment.status not in Enrollment.LIVE:
        raise ValidationError(_("This person has already left the group."))
    group = _lock(enrollment.group)
    enrollment.status = status
    enrollment.leaving_reason = reason.strip()
    enrollment.left_on = left_on or timezone.localdate()
    if enrollment.joined_on and enrollment.left_on < enrollment.joined_on:
        raise ValidationError(_("The leaving date cannot be before the joining date."))
    enrollment.save(update_fields=["status", "leaving_reason", "left_on"])
    offer_free_seats(group=group)


def offer_free_seats(*, group: TherapyGroup) -> list[Enrollment]:
    """Offer each free seat to the next person on the waitlist, in the order they joined it."""
    offered = []
    free = seats_free(group)
    waiting = group.enrollments.waitlist().filter(offered_at__isnull=True)
    for enrollment in waiting.select_related("participant")[:free]:
        enrollment.offered_at = timezone.now()
        enrollment.save(update_fields=["offered_at"])
        offered.append(enrollment)
        if enrollment.participant_id:
            outbox.notify_person(
                kind=WAITLIST_OFFER,
                person=enrollment.participant,
                subject_id=enrollment.pk,
                occurrence=enrollment.offered_at,
                expires_at=enrollment.offered_at + timedelta(days=14),
            )
    return offered


@transaction.atomic
def answer_place(*, enrollment: Enrollment, accept: bool) -> None:
    """The person answers an invitation to join or a waitlist place offered to them."""
    group = _lock(enrollment.group)
    enrollment.refresh_from_db()
    if not enrollment.awaits_answer:
        raise ValidationError(_("There is no place waiting for your answer in this group."))
    if accept:
        enrollment.status = Enrollment.Status.ACTIVE
        enrollment.joined_on = timezone.localdate()
        enrollment.save(update_fields=["status", "joined_on"])
        outbox.plan_for_person(enrollment.participant)  # reminders for sessions already planned
        return
    enrollment.status = Enrollment.Status.WITHDRAWN
    enrollment.left_on = timezone.localdate()
    enrollment.save(update_fields=["status", "left_on"])
    offer_free_seats(group=group)


@transaction.atomic
def accept_offer(*, enrollment: Enrollment) -> None:
    """The offered seat is taken (by the person, or confirmed for them by a facilitator)."""
    _lock(enrollment.group)
    enrollment.refresh_from_db()
    if not enrollment.has_offer:
        raise ValidationError(_("There is no seat on offer for this person."))
    enrollment.status = (
        Enrollment.Status.ACTIVE if enrollment.participant_id else Enrollment.Status.INVITED
    )
    enrollment.joined_on = timezone.localdate() if enrollment.participant_id else None
    enrollment.save(update_fields=["status", "joined_on"])
    if enrollment.participant_id:
        outbox.plan_for_person(enrollment.participant)


# Goals ----------------------------------------------------------------------------------

GOAL_FIELDS = ("what", "why", "how_know", "by_when", "shared")


def _require_member(group: TherapyGroup, participant: User) -> None:
    if not group.enrollments.filter(
        participant=participant, status=Enrollment.Status.ACTIVE
    ).exists():
        raise ValidationError(_("Goals belong to a group you are in."))


def _new_goal(
    *,
    participant: User,
    group: TherapyGroup,
    what: str,
    why: str = "",
    how_know: str = "",
    by_when=None,
    **extra,
) -> Goal:
    _require_member(group, participant)
    if not what.strip():
        raise ValidationError(_("Say in a few words what you want to do."))
    return Goal.objects.create(
        group=group,
        participant=participant,
        what=what.strip(),
        why=why.strip(),
        how_know=how_know.strip(),
        by_when=by_when,
        **extra,
    )


def create_goal(
    *, participant: User, group: TherapyGroup, what: str, shared: bool = False, **details
) -> Goal:
    """A participant's own goal; shared with the group only if they say so."""
    return _new_goal(participant=participant, group=group, what=what, shared=shared, **details)


def suggest_goal(
    *, facilitator: User, group: TherapyGroup, participant: User, what: str, **details
) -> Goal:
    """A facilitator's suggestion: the participant accepts it or not; it is never shared unasked."""
    return _new_goal(
        participant=participant,
        group=group,
        what=what,
        status=Goal.Status.SUGGESTED,
        suggested_by=facilitator,
        **details,
    )


def respond_to_suggestion(*, goal: Goal, accept: bool) -> None:
    if goal.status != Goal.Status.SUGGESTED:
        raise ValidationError(_("This goal is not a suggestion waiting for an answer."))
    goal.status = Goal.Status.ACTIVE if accept else Goal.Status.DECLINED
    goal.save(update_fields=["status", "updated_at"])


def update_goal(*, goal: Goal, **fields) -> Goal:
    for name in GOAL_FIELDS:
        if name in fields:
            value = fields[name]
            setattr(goal, name, value.strip() if isinstance(value, str) else value)
    if not goal.what:
        raise ValidationError(_("Say in a few words what you want to do."))
    goal.save()
    return goal


def set_goal_status(*, goal: Goal, status: str) -> None:
    choosable = {Goal.Status.ACTIVE, Goal.Status.PAUSED, Goal.Status.ACHIEVED, Goal.Status.DROPPED}
    if status not in choosable:
        raise ValidationError(_("Choose working on it, paused, achieved or let go."))
    if goal.status in (Goal.Status.SUGGESTED, Goal.Status.DECLINED):
        raise ValidationError(_("Accept the suggestion first."))
    goal.status = status
    goal.save(update_fields=["status", "updated_at"])


def check_in(*, goal: Goal, progress: int, note: str = "") -> GoalCheckIn:
    if not goal.is_open:
        raise ValidationError(_("Check-ins are for goals you are working on."))
    if not 0 <= progress <= 10:
        raise ValidationError(_("Progress goes from 0 to 10."))
    return GoalCheckIn.objects.create(goal=goal, progress=progress, note=note.strip()[:500])


def comment_on_goal(*, goal: Goal, author: User, text: str) -> GoalComment:
    if not text.strip():
        raise ValidationError(_("Write a comment first."))
    return GoalComment.objects.create(goal=goal, author=author, text=text.strip()[:1000])
