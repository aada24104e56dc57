"""A person's path around the group: the referral that brings them, its screening and the wait.

A referral is made for a person's account (members.User), created from the referral with no
password: they choose one from the one email a place's offer sends (or, before that, from a
password reset, which shows them only their own details). The clinic's record of them
(members.record) holds their details; the referral holds where they are on the path, who
handles it, and every step with who and when. After the group: the discharge summary.
"""

import json

from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy

from core.encryption import EncryptedTextField
from core.validators import known_choice
from therapy_groups.models import Enrollment, TherapyGroup


class Source(models.TextChoices):
    CLINICIAN = "clinician", gettext_lazy("A clinician")
    SELF = "self", gettext_lazy("Themselves")


class Status(models.TextChoices):
    NEW = "new", gettext_lazy("New")
    SCREENING_BOOKED = "screening_booked", gettext_lazy("Screening booked")
    SCREENED = "screened", gettext_lazy("Screened")
    OFFERED = "offered", gettext_lazy("Offered a place")
    JOINED = "joined", gettext_lazy("Joined")
    CLOSED = "closed", gettext_lazy("Closed")


class CloseReason(models.TextChoices):
    NOT_SUITABLE = "not_suitable", gettext_lazy("Not suitable for the group")
    DECLINED = "declined", gettext_lazy("They declined")
    NO_CONTACT = "no_contact", gettext_lazy("No contact after several tries")


OPEN = (Status.NEW, Status.SCREENING_BOOKED, Status.SCREENED, Status.OFFERED)


class ReferralQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN)

    def handled_by(self, user):
        return self.filter(handler=user)

    def waiting_to_be_taken(self):
        return self.filter(status=Status.NEW, handler__isnull=True)


class Referral(models.Model):
    Source = Source
    Status = Status
    CloseReason = CloseReason

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="referrals"
    )
    source = models.CharField(max_length=10, choices=Source.choices)
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=gettext_lazy("The clinician who entered it; none when they referred themselves."),
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handled_referrals",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    # In the person's or the referrer's words: what they would like help with.
    reason = EncryptedTextField(blank=True)
    consent_to_contact = models.BooleanField(default=False)
    received_at = models.DateTimeField(db_default=Now())
    screening_at = models.DateTimeField(null=True, blank=True)
    screened_at = models.DateTimeField(null=True, blank=True)
    readiness_note = EncryptedTextField(blank=True)
    contact_tries = models.PositiveSmallIntegerField(default=0)
    # The place offered (its group's seat or waitlist); None until one is.
    enrollment = models.ForeignKey(
        Enrollment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    offered_at = models.DateTimeField(null=True, blank=True)
    joined_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.CharField(max_length=20, blank=True, choices=CloseReason.choices)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        constraints = [
            known_choice("status", Status, name="referral_status_known"),
            known_choice("source", Source, name="referral_source_known"),
            # A closed referral says why; an open one has no reason to be closed.
            models.CheckConstraint(
                condition=models.Q(status=Status.CLOSED, closed_at__isnull=False)
                & ~models.Q(close_reason="")
                | ~models.Q(status=Status.CLOSED) & models.Q(close_reason=""),
                name="referral_closed_with_a_reason",
            ),
            # One open referral per person at a time: a second one joins the first.
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(status__in=OPEN),
                name="one_open_referral_per_person",
            ),
        ]
        indexes = [models.Index(fields=["status", "received_at"], name="referral_status_received")]

    def __str__(self) -> str:
        return f"Referral {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    @property
    def group(self) -> TherapyGroup | None:
        """The group a place was offered in."""
        return self.enrollment.group if self.enrollment_id else None


class StepKind(models.TextChoices):
    RECEIVED = "received", gettext_lazy("Referral received")
    REFERRED_AGAIN = "referred_again", gettext_lazy("Referred again")
    TAKEN = "taken", gettext_lazy("Taken on")
    CONTACT_TRY = "contact_try", gettext_lazy("Tried to make contact")
    SCREENING_BOOKED = "screening_booked", gettext_lazy("Screening booked")
    SCREENED = "screened", gettext_lazy("Screened")
    OFFERED = "offered", gettext_lazy("Offered a place")
    JOINED = "joined", gettext_lazy("Joined")
    CLOSED = "closed", gettext_lazy("Closed")


class ReferralStep(models.Model):
    """One step on a referral's path, or a try to reach the person: who, when, what."""

    Kind = StepKind

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(db_default=Now())
    detail = models.CharField(max_length=40, blank=True)  # a close reason, a group's id

    class Meta:
        constraints = [known_choice("kind", StepKind, name="referral_step_kind_known")]
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.at}"


class DischargeSummaryQuerySet(models.QuerySet):
    def signed(self):
        return self.filter(signed_at__isnull=False)


class DischargeSummary(models.Model):
    """What a member's time in a group came to, written by a facilitator from the draft the
    app builds (pathways.discharge), then signed and locked like notes: a database trigger
    refuses any change to a signed summary, and corrections are addenda."""

    enrollment = models.OneToOneField(Enrollment, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="discharge_summaries"
    )
    group = models.ForeignKey(TherapyGroup, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(db_default=Now())
    updated_at = models.DateTimeField(auto_now=True)
    # The draft's figures as JSON (pathways.discharge.facts), frozen when it is signed.
    facts = EncryptedTextField()
    words = EncryptedTextField(blank=True)  # the facilitator's own
    # The member agreed to short questionnaires 1, 3 and 6 months after discharge.
    boosters = models.BooleanField(default=False)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = DischargeSummaryQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(signed_at__isnull=True) | models.Q(signed_by__isnull=False),
                name="discharge_signed_by_someone",
            )
        ]

    def __str__(self) -> str:
        return f"Discharge summary {self.pk}"

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None

    def read_facts(self) -> dict:
        return json.loads(self.facts)


class DischargeAddendum(models.Model):
    """A correction or addition to a signed summary: signed when written, never changed."""

    summary = models.ForeignKey(DischargeSummary, on_delete=models.PROTECT, related_name="addenda")
    text = EncryptedTextField()
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(db_default=Now())

    class Meta:
        ordering = ["signed_at", "pk"]

    def __str__(self) -> str:
        return f"Addendum {self.pk}"
