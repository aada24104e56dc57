"""Writes that touch accounts: invitations, agreements, preferences and account state."""

import secrets

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import outbox
from members.invitations import invitation_url
from members.messages import INVITATION
from members.models import (
    INVITATION_LIFETIME,
    AgreementAcceptance,
    ClosureRequest,
    ConfidentialityAgreement,
    CrisisLine,
    Invitation,
    Organisation,
    PersonRecord,
    Role,
    Session,
    User,
)
from members.record import CLINIC_FIELDS, SELF_FIELDS
from members.signals import invitation_accepted


def create_invitation(*, email: str, role: Role, invited_by: User | None) -> tuple[Invitation, str]:
    """Invite `email` to sign up as `role`, replacing any earlier pending invitation.

    Returns the invitation and its link; the outbox sends the email.
    """
    email = email.strip().lower()
    now = timezone.now()
    Invitation.objects.pending().filter(email__iexact=email).update(expires_at=now)
    invitation = Invitation.objects.create(
        email=email,
        role=role,
        invited_by=invited_by,
        created_at=now,
        expires_at=now + INVITATION_LIFETIME,
    )
    outbox.enqueue(
        kind=INVITATION,
        email=email,
        subject_id=invitation.pk,
        occurrence=invitation.created_at,
        expires_at=invitation.expires_at,
    )
    return invitation, invitation_url(invitation)


@transaction.atomic
def start_account(*, invitation: Invitation, person: User, password: str) -> None:
    """A person whose account was made for them (from a referral) chooses its password through
    their invitation: the address is verified by the link, and the invitation is used."""
    person.set_password(password)
    person.save(update_fields=["password"])
    EmailAddress.objects.filter(user=person).exclude(email__iexact=person.email).update(
        primary=False
    )
    EmailAddress.objects.update_or_create(
        user=person, email=person.email, defaults={"verified": True, "primary": True}
    )
    accept_invitation(invitation=invitation, user=person)


def withdraw_invitation(*, invitation: Invitation) -> None:
    """An invitation not yet used stops working now (its email, if unsent, is not sent)."""
    Invitation.objects.pending().filter(pk=invitation.pk).update(expires_at=timezone.now())


def accept_invitation(*, invitation: Invitation, user: User) -> None:
    """Give the new account the invited role and mark the invitation used, exactly once."""
    updated = Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).update(
        accepted_at=timezone.now(), accepted_user=user
    )
    if not updated:
        raise ValueError("This invitation has already been used.")
    user.role = invitation.role
    user.save(update_fields=["role"])
    invitation_accepted.send(sender=Invitation, invitation=invitation, user=user)


# Agreements, preferences and account state ----------------------------------------------


AGREEMENT_ACCEPTED = "together.agreement_accepted"  # session: the version this person accepted


def has_accepted_current_agreement(request) -> bool:
    """Whether the signed-in person accepted the version in force. Asked on every participant
    page; an acceptance never changes, so the session remembers it until a new version is in
    force. (With no version yet this is False, and the agreement page creates version 1.)"""
    in_force = Organisation.current().agreement_in_force_id
    if in_force is None:
        return False
    if request.session.get(AGREEMENT_ACCEPTED) == in_force:
        return True
    if not request.user.agreement_acceptances.filter(agreement_id=in_force).exists():
        return False
    request.session[AGREEMENT_ACCEPTED] = in_force
    return True


def accept_agreement(*, user: User, agreement: ConfidentialityAgreement) -> None:
    AgreementAcceptance.objects.get_or_create(user=user, agreement=agreement)


@transaction.atomic
def update_organisation(*, organisation: Organisation, **fields) -> None:
    """Save the settings. The group agreement is not among them: it changes only on its own
    page (publish_agreement), since a new version stops every participant until accepted."""
    for name, value in fields.items():
        setattr(organisation, name, value)
    organisation.full_clean()
    organisation.save()


def agreement_words(text: str) -> str:
    """The agreement as a reader sees it: line endings (a browser sends CRLF) and spaces at
    the ends of lines are not words, so they never make a new version."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip()


def asked_to_accept_again() -> int:
    """How many people a new version would stop on their next page: active participants who
    accepted the version in force (the others are being asked already)."""
    return AgreementAcceptance.objects.filter(
        agreement=ConfidentialityAgreement.current(),
        user__is_active=True,
        user__role=Role.PARTICIPANT,
    ).count()


@transaction.atomic
def publish_agreement(*, text: str, by: User) -> ConfidentialityAgreement | None:
    """A new version when the words changed, which everyone accepts again; None when they did
    not (the same words, however they were typed)."""
    words = agreement_words(text)
    if not words:
        raise ValidationError(_("Write the agreement first."))
    current = ConfidentialityAgreement.current()
    if agreement_words(current.text) == words:
        return None
    # Two admins at once: the unique version refuses the second, never two texts as one.
    return ConfidentialityAgreement.objects.create(
        version=current.version + 1, text=words, created_by=by
    )


def choose_language(*, person: User, language: str) -> None:
    person.language = language
    person.save(update_fields=["language"])


def reminder_hours_for(user: User, organisation: Organisation) -> list[int]:
    allowed = set(organisation.allowed_reminder_hours)
    chosen = [h for h in user.reminder_hours if h in allowed]
    return sorted(chosen or organisation.default_reminder_hours, reverse=True)


def regenerate_calendar_token(*, user: User) -> str:
    """A new feed address; the old one stops working at once."""
    user.calendar_token = secrets.token_urlsafe(32)
    user.save(update_fields=["calendar_token"])
    return user.calendar_token


def end_all_sessions(user: User) -> None:
    """Sign the person out everywhere: their browser sessions and allauth's list of them."""
    from allauth.usersessions.models import UserSession

    Session.objects.filter(user=user).delete()
    UserSession.objects.filter(user=user).delete()


@transaction.atomic
def deactivate_user(*, user: User) -> None:
    """Login stops and every open session ends at once; records stay."""
    user.is_active = False
    user.save(update_fields=["is_active"])
    end_all_sessions(user)
    outbox.cancel_pending(recipient=user)


@transaction.atomic
def reactivate_user(*, user: User) -> None:
    user.is_active = True
    user.save(update_fields=["is_active"])
    outbox.plan_for_person(user)  # the reminders cancelled at deactivation come back


@transaction.atomic
def request_closure(*, user: User, reason: str = "") -> ClosureRequest:
    request, __ = ClosureRequest.objects.get_or_create(
        user=user, defaults={"reason": reason.strip()}
    )
    deactivate_user(user=user)
    return request


def mark_closure_handled(*, closure: ClosureRequest, by: User) -> None:
    if closure.handled_at is not None:
        return
    closure.handled_at, closure.handled_by = timezone.now(), by
    closure.save(update_fields=["handled_at", "handled_by"])


def pending_invitations(*, role: Role):
    return Invitation.objects.pending().filter(role=role).order_by("-created_at")


@transaction.atomic
def set_crisis_lines(*, lines: list[dict]) -> None:
    """The crisis page's lines, in this order (the ones not given are removed)."""
    CrisisLine.objects.all().delete()
    CrisisLine.objects.bulk_create(
        CrisisLine(position=position, **line) for position, line in enumerate(lines)
    )


@transaction.atomic
def save_record(*, person: User, by: User, **fields) -> PersonRecord:
    """Change values of `person`'s record, noting `by` as who entered each value that changed.

    A person changes only their own values (members.record.SELF_FIELDS, not already entered
    by the clinic); anything else they send is refused. Consent without a number to use it
    means nothing, so it is kept only with one.
    """
    record = PersonRecord.objects.select_for_update().filter(person=person).first()
    record = record or PersonRecord(person=person)
    if by.pk == person.pk:
        foreign = {f for f in fields if f not in SELF_FIELDS or not self_may_change(record, f)}
        if foreign:
            raise ValidationError(_("Ask your facilitator to change what the clinic entered."))
    before = {name: getattr(record, name) for name in CLINIC_FIELDS}
    for name, value in fields.items():
        value = value.strip() if isinstance(value, str) else value
        if before[name] == value:
            continue
        setattr(record, name, value)
        if value in ("", None, False):
            record.entered_by.pop(name, None)
        else:
            record.entered_by[name] = by.pk
    record.may_call = record.may_call and bool(record.phone or record.other_phone)
    record.may_call_emergency = record.may_call_emergency and bool(record.emergency_phone)
    if record.identifier_kind == PersonRecord.IdentifierKind.NONE:
        record.identifier = ""
    record.full_clean(exclude=["person"])
    changed = [name for name in CLINIC_FIELDS if getattr(record, name) != before[name]]
    if record.pk is None:
        record.save()
    elif changed:  # the trail names the values that changed, never what they say
        record.save(update_fields=[*changed, "entered_by", "updated_at"])
    return record


def self_may_change(record: PersonRecord, field: str) -> bool:
    """A person's own value, or one nobody has entered yet."""
    entered = record.entered_by.get(field)
    return field in SELF_FIELDS and entered in (None, record.person_id)
