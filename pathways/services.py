"""Writes on a referral's path: received, taken on, contact tried, screening booked, screened,
offered a place, joined, or closed with a reason. Each step is one row with who and when."""

import json

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Now
from django.utils.translation import gettext as _

from core import audit
from members import services as member_services
from members.models import Invitation, Role, User
from members.record import record_of
from pathways import discharge, screening
from pathways.models import (
    OPEN,
    CloseReason,
    DischargeAddendum,
    DischargeSummary,
    Referral,
    ReferralStep,
    Source,
    Status,
)
from therapy_groups import services as group_services
from therapy_groups.models import Enrollment, TherapyGroup

NO_CONTACT_AFTER = 3  # tries to reach someone before "no contact" may close their referral
STAFF_ADDRESS = "staff_address"  # an audit note: a self-referral from a staff account's address


def _step(referral: Referral, kind: str, by: User | None, detail: str = "") -> None:
    ReferralStep.objects.create(referral=referral, kind=kind, by=by, detail=detail)


def _save(referral: Referral, *fields: str) -> None:
    referral.save(update_fields=list(fields))


@transaction.atomic
def refer(
    *,
    email: str,
    source: Source,
    by: User | None,
    details: dict,
    reason: str = "",
    consent: bool,
) -> Referral | None:
    """A referral for the person with this address, with their details for the record.

    The person's account is made from it, with no password: they choose one from the
    invitation that offers them a place. Someone with an open referral gets this one added
    to it as a step. A clinician is told when the address is a staff account's; a
    self-referral from one is not kept (nor is anything said on the public page), and the
    audit trail notes it.
    """
    email = User.objects.normalize_email(email.strip()).lower()
    person = User.objects.filter(email__iexact=email).first()
    if person is not None and person.role != Role.PARTICIPANT:
        if source == Source.CLINICIAN:
            raise ValidationError(_("That email belongs to a staff account, not a participant."))
        audit.record(audit.Action.CREATE, Referral, detail={"refused": STAFF_ADDRESS})
        return None
    if person is None:
        try:
            with transaction.atomic():
                person = User.objects.create_user(
                    email=email, first_name=details.get("known_as", "")[:150], role=Role.PARTICIPANT
                )
        except IntegrityError:  # the same address sent twice at once: the other made it
            person = User.objects.get(email__iexact=email)
    # One referral at a time per person: the person's row serialises two arriving together.
    User.objects.select_for_update().filter(pk=person.pk).values_list("pk").first()
    open_one = Referral.objects.filter(person=person, status__in=OPEN).first()
    if open_one is not None:
        _step(open_one, ReferralStep.Kind.REFERRED_AGAIN, by)
        return open_one
    _save_details(person, by=by or person, details=details)
    referral = Referral.objects.create(
        person=person,
        source=source,
        referred_by=by,
        reason=reason.strip(),
        consent_to_contact=consent,
    )
    _step(referral, ReferralStep.Kind.RECEIVED, by)
    return referral


def _save_details(person: User, *, by: User, details: dict) -> None:
    """Details for the record; what someone sends about themselves fills only what is theirs
    to change (the clinic's values stay as the clinic entered them)."""
    details = {name: value for name, value in details.items() if value not in ("", None)}
    if by.pk == person.pk:
        record = record_of(person)
        details = {
            name: value
            for name, value in details.items()
            if member_services.self_may_change(record, name)
        }
    if details:
        member_services.save_record(person=person, by=by, **details)


def _locked(referral: Referral, *allowed: Status) -> Referral:
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if referral.status not in allowed:
        raise ValidationError(
            _("This referral is now “%(status)s”: the page was out of date. Look again.")
            % {"status": referral.get_status_display()}
        )
    return referral


@transaction.atomic
def take(*, referral: Referral, by: User) -> Referral:
    """`by` handles the referral from now: they see the person's record and answers."""
    referral = _locked(referral, *OPEN)
    if referral.handler_id not in (None, by.pk):
        raise ValidationError(_("Someone else has already taken this referral."))
    referral.handler = by
    _save(referral, "handler")
    _step(referral, ReferralStep.Kind.TAKEN, by)
    return referral


@transaction.atomic
def note_contact_try(*, referral: Referral, by: User) -> Referral:
    referral = _locked(referral, *OPEN)
    referral.contact_tries += 1
    _save(referral, "contact_tries")
    _step(referral, ReferralStep.Kind.CONTACT_TRY, by)
    return referral


@transaction.atomic
def book_screening(*, referral: Referral, by: User, at) -> Referral:
    referral = _locked(referral, Status.NEW, Status.SCREENING_BOOKED)
    referral.status, referral.screening_at = Status.SCREENING_BOOKED, at
    referral.handler = referral.handler or by
    _save(referral, "status", "screening_at", "handler")
    _step(referral, ReferralStep.Kind.SCREENING_BOOKED, by)
    screening.ask(referral)
    return referral


@transaction.atomic
def record_screening(*, referral: Referral, by: User, readiness_note: str) -> Referral:
    """The screening took place; the clinician's note on the person's readiness for a group."""
    referral = _locked(referral, Status.NEW, Status.SCREENING_BOOKED)
    referral.status, referral.screened_at = Status.SCREENED, Now()
    referral.readiness_note = readiness_note.strip()
    referral.handler = referral.handler or by
    _save(referral, "status", "screened_at", "readiness_note", "handler")
    _step(referral, ReferralStep.Kind.SCREENED, by)
    screening.stop_asking(referral)
    return referral


@transaction.atomic
def offer_place(
    *, referral: Referral, group: TherapyGroup, by: User, cohort_started: bool, late_reason=""
) -> Referral:
    """A place in `group`, through its seats and waitlist; the invitation it sends is the one
    email the person gets, and choosing a password from it makes their account theirs."""
    referral = _locked(referral, Status.SCREENED, Status.OFFERED)
    _withdraw_offer(referral)  # a place offered before, in another group
    referral.enrollment = group_services.invite_to_group(
        group=group,
        email=referral.person.email,
        invited_by=by,
        cohort_started=cohort_started,
        override_reason=late_reason,
    )
    referral.status, referral.offered_at = Status.OFFERED, Now()
    _save(referral, "status", "enrollment", "offered_at")
    _step(referral, ReferralStep.Kind.OFFERED, by, detail=str(group.pk))
    return referral


def _withdraw_offer(referral: Referral) -> None:
    """A place offered and not taken up is given back, and its invitation stops working."""
    offered = referral.enrollment
    if offered is not None and offered.status in Enrollment.LIVE and not offered.joined_on:
        group_services.end_enrollment(enrollment=offered, status=Enrollment.Status.WITHDRAWN)
        if offered.invitation is not None:
            member_services.withdraw_invitation(invitation=offered.invitation)


@transaction.atomic
def note_joined(*, invitation: Invitation, person: User) -> None:
    """The person accepted the invitation their offer sent (members.signals)."""
    referral = (
        Referral.objects.select_for_update()
        .filter(person=person, status=Status.OFFERED, enrollment__invitation=invitation)
        .first()
    )
    if referral is not None:
        referral.status, referral.joined_at = Status.JOINED, Now()
        _save(referral, "status", "joined_at")
        _step(referral, ReferralStep.Kind.JOINED, person)


@transaction.atomic
def close(*, referral: Referral, by: User, reason: CloseReason) -> Referral:
    """Close with a reason; an offered place that was not taken up is withdrawn with it."""
    referral = _locked(referral, *OPEN)
    if reason == CloseReason.NO_CONTACT and referral.contact_tries < NO_CONTACT_AFTER:
        raise ValidationError(
            _("Try to reach them %(count)s times before closing for no contact.")
            % {"count": NO_CONTACT_AFTER}
        )
    _withdraw_offer(referral)
    referral.status, referral.close_reason, referral.closed_at = Status.CLOSED, reason, Now()
    _save(referral, "status", "close_reason", "closed_at")
    _step(referral, ReferralStep.Kind.CLOSED, by, detail=reason)
    screening.stop_asking(referral)
    return referral


# Discharge ----------------------------------------------------------------------------------

FINISHED = (Enrollment.Status.COMPLETED, Enrollment.Status.WITHDRAWN)


def finished(enrollment: Enrollment) -> bool:
    """The member's time in the group is over: they completed or left it, or it ended."""
    return enrollment.status in FINISHED or enrollment.group.status != TherapyGroup.Status.ACTIVE


@transaction.atomic
def start_discharge(*, enrollment: Enrollment, by: User) -> DischargeSummary:
    """The member's discharge summary, drafted from their records (once per membership)."""
    if not finished(enrollment):
        raise ValidationError(
            _("A discharge summary is written once the member completes or leaves the group.")
        )
    summary, __ = DischargeSummary.objects.get_or_create(
        enrollment=enrollment,
        defaults={
            "person": enrollment.participant,
            "group": enrollment.group,
            "author": by,
            "facts": json.dumps(discharge.facts(enrollment)),
        },
    )
    return summary


def _draft(summary: DischargeSummary) -> DischargeSummary:
    summary = DischargeSummary.objects.select_for_update().get(pk=summary.pk)
    if summary.is_signed:
        raise ValidationError(_("This summary is signed: add an addendum instead."))
    return summary


@transaction.atomic
def save_discharge(*, summary: DischargeSummary, words: str, boosters: bool) -> DischargeSummary:
    """The facilitator's words and the member's answer about booster check-ins, with the
    figures read again from the records."""
    summary = _draft(summary)
    enrollment = Enrollment.objects.select_related("participant", "group").get(
        pk=summary.enrollment_id
    )
    summary.words, summary.boosters = words.strip(), boosters
    summary.facts = json.dumps(discharge.facts(enrollment))
    summary.save(update_fields=["words", "boosters", "facts", "updated_at"])
    return summary


@transaction.atomic
def sign_discharge(*, summary: DischargeSummary, by: User, reviewed: str) -> DischargeSummary:
    """Sign what the facilitator reviewed (`reviewed`: the draft's version they saw, from
    `version()`): if the draft was saved since, by them elsewhere or a co-facilitator, nothing
    is signed and they are asked to look again."""
    summary = _draft(summary)
    if version(summary) != reviewed:
        raise ValidationError(_("The summary changed after you reviewed it. Look again."))
    summary.signed_at, summary.signed_by = Now(), by
    summary.save(update_fields=["signed_at", "signed_by"])
    summary.refresh_from_db()
    return summary


def version(summary: DischargeSummary) -> str:
    return summary.updated_at.isoformat()


@transaction.atomic
def add_discharge_addendum(*, summary: DischargeSummary, by: User, text: str) -> None:
    if not summary.is_signed:
        raise ValidationError(_("Change the draft itself: addenda are for signed summaries."))
    if not text.strip():
        raise ValidationError(_("Write the addendum first."))
    DischargeAddendum.objects.create(summary=summary, text=text.strip(), signed_by=by)
