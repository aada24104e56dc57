"""Answers to questionnaires, and the safety follow-ups that risk answers open."""

import json

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce, Now
from django.utils import timezone
from django.utils.translation import gettext_lazy

from core.encryption import EncryptedTextField
from core.validators import known_choice
from measures.instruments import CHOICES, INSTRUMENTS, Instrument
from sessions.models import GroupSession, IndividualNote
from therapy_groups.models import TherapyGroup

# The codes of instruments.py, for CHECK constraints and forms: a new instrument there needs
# only the migration that widens the constraint.
Instruments = models.TextChoices(
    "Instruments", [(code.upper(), (code, name)) for code, name in CHOICES]
)


class Schedule(models.TextChoices):
    EVERY_SESSION = "every", gettext_lazy("Before every session")
    EVERY_OTHER = "every_other", gettext_lazy("Before every other session")
    FIRST_AND_LAST = "first_and_last", gettext_lazy("At the first and last session")


class MeasurePlan(models.Model):
    """Which questionnaires a group's members answer, and before which sessions."""

    group = models.OneToOneField(TherapyGroup, on_delete=models.CASCADE, related_name="+")
    instruments = ArrayField(models.CharField(max_length=10, choices=Instruments.choices))
    schedule = models.CharField(
        max_length=20, choices=Schedule.choices, default=Schedule.EVERY_SESSION
    )

    class Meta:
        constraints = [
            known_choice("schedule", Schedule),
            models.CheckConstraint(
                condition=Q(instruments__contained_by=Instruments.values),
                name="measures_plan_instruments_known",
                violation_error_message="Unknown questionnaire.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group}: {', '.join(self.instruments)} ({self.schedule})"

    @property
    def measures(self) -> list[Instrument]:
        return [INSTRUMENTS[code] for code in self.instruments]


class Channel(models.TextChoices):
    LINK = "link", gettext_lazy("From the emailed link")
    ROOM = "room", gettext_lazy("In the room")
    HOME = "home", gettext_lazy("From their home page")


ONE_ANSWER_PER_SESSION = "measures_one_answer_per_session"
ONE_ANSWER_PER_BOOSTER = "measures_one_answer_per_booster"
AFTER_MONTHS = (1, 3, 6)  # booster check-ins after discharge (pathways.boosters)


class MeasureResponseQuerySet(models.QuerySet):
    def for_facilitator(self, user):
        """Answers in the groups this facilitator runs: the only staff who see them."""
        return self.filter(group__facilitators=user)

    def of(self, participant):
        return self.filter(participant=participant)

    def in_the_group(self):
        """Answers given while a member: not a booster's after discharge."""
        return self.filter(after_months__isnull=True)

    def in_session_order(self):
        """Oldest first by the session each answer is for, whenever it arrived (an emailed
        link answered late still counts for its own week): what a change is counted along."""
        return self.order_by(Coalesce("session__starts_at", "completed_at"), "completed_at", "pk")


class MeasureResponse(models.Model):
    """One completed questionnaire. The item answers are clinical: encrypted and audited; the
    total and band are kept beside them so trends and boards need no decryption."""

    participant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="measure_responses"
    )
    # None: answered before the person joined a group, at their screening (pathways).
    group = models.ForeignKey(
        TherapyGroup, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    session = models.ForeignKey(
        GroupSession, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    instrument = models.CharField(max_length=10, choices=Instruments.choices)
    answers = EncryptedTextField(
        help_text=gettext_lazy("JSON: the item answers, then the difficulty answer.")
    )
    total = models.PositiveSmallIntegerField()
    band = models.CharField(max_length=30)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    # The language the questions were shown in (only ever a validated version of them).
    language = models.CharField(max_length=10, default="en")
    completed_at = models.DateTimeField(default=timezone.now)
    # A booster check-in, this many months after the member's discharge from the group
    # (pathways.boosters): read apart from the group's own answers, as "after" figures.
    after_months = models.PositiveSmallIntegerField(null=True, blank=True)

    objects = MeasureResponseQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(
                fields=["group", "participant", "instrument", "completed_at"],
                name="measures_response_trend",
            )
        ]
        constraints = [
            known_choice("instrument", Instruments),
            known_choice("channel", Channel),
            models.UniqueConstraint(
                fields=["participant", "group", "instrument", "after_months"],
                condition=Q(after_months__isnull=False),
                name=ONE_ANSWER_PER_BOOSTER,
            ),
            models.UniqueConstraint(
                fields=["participant", "session", "instrument"],
                condition=Q(session__isnull=False),
                name=ONE_ANSWER_PER_SESSION,
                violation_error_message="This questionnaire is already answered for that session.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_instrument_display()} {self.total} ({self.completed_at:%Y-%m-%d})"

    @property
    def measure(self) -> Instrument:
        return INSTRUMENTS[self.instrument]

    def item_answers(self) -> tuple[list[int], int | None]:
        """The scored answers and the difficulty answer (None when left out)."""
        stored = json.loads(self.answers)
        return stored["items"], stored.get("difficulty")


class FollowUpReason(models.TextChoices):
    RISK_ANSWER = "risk_answer", gettext_lazy("Answered the question about self-harm above 0")
    RISK_NOTE = "risk_note", gettext_lazy("Risk concern marked in a session note")
    ABSENCES = "absences", gettext_lazy("Missed the last two sessions")


class ContactMethod(models.TextChoices):
    PHONE = "phone", gettext_lazy("Phone call")
    IN_PERSON = "in_person", gettext_lazy("In person")
    VIDEO = "video", gettext_lazy("Video call")
    MESSAGE = "message", gettext_lazy("Message")
    NOT_REACHED = "not_reached", gettext_lazy("Could not reach them")


class NextStep(models.TextChoices):
    """What was done instead, when the person could not be reached."""

    EMERGENCY_CONTACT = "emergency_contact", gettext_lazy("Phoned their emergency contact")
    WELFARE_CHECK = "welfare_check", gettext_lazy("Asked for a welfare check")
    GP = "gp", gettext_lazy("Told their GP")
    DUTY_TEAM = "duty_team", gettext_lazy("Handed it to the duty team")
    LETTER = "letter", gettext_lazy("Wrote asking them to get in touch")
    NEXT_SESSION = "next_session", gettext_lazy("Will talk with them at the next session")
    # Follow-ups closed as "could not reach" before the next step was asked (migration 0010).
    NOT_RECORDED = "not_recorded", gettext_lazy("Not recorded")


class FollowUpAction(models.TextChoices):
    SAFETY_PLAN = "safety_plan", gettext_lazy("Safety plan reviewed")
    REFERRED = "referred", gettext_lazy("Referred")
    EMERGENCY = "emergency", gettext_lazy("Emergency services")
    EXTRA_SESSION = "extra_session", gettext_lazy("Extra session arranged")
    NO_FURTHER = "no_further", gettext_lazy("No further action needed")


class FollowUpQuerySet(models.QuerySet):
    def open(self):
        return self.filter(closed_at__isnull=True)

    def for_facilitator(self, user):
        """In the groups this facilitator runs, or, before a person has a group, assigned to
        them (the clinician handling their referral)."""
        return self.filter(Q(group__facilitators=user) | Q(assigned_to=user))


class FollowUp(models.Model):
    """A participant someone must get in touch with, opened by a risk signal: acknowledged by a
    facilitator within the organisation's window, then closed with what was done."""

    Reason = FollowUpReason

    group = models.ForeignKey(
        TherapyGroup, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Before the person has a group (an answer at their screening): who acts on it.
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    participant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=20, choices=FollowUpReason.choices)
    response = models.OneToOneField(
        MeasureResponse, null=True, blank=True, on_delete=models.PROTECT, related_name="follow_up"
    )
    note = models.OneToOneField(
        IndividualNote, null=True, blank=True, on_delete=models.PROTECT, related_name="follow_up"
    )
    last_absence = models.ForeignKey(
        GroupSession, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The database's clock: escalation windows are counted on it, whatever the web host's says.
    opened_at = models.DateTimeField(db_default=Now())
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    contact = models.CharField(max_length=20, blank=True, choices=ContactMethod.choices)
    actions = models.JSONField(
        default=list, blank=True, help_text=gettext_lazy("FollowUpAction values.")
    )
    outcome = EncryptedTextField(
        blank=True, help_text=gettext_lazy("What happened, in the facilitator's words.")
    )
    next_step = models.CharField(max_length=20, blank=True, choices=NextStep.choices)
    escalations = models.PositiveSmallIntegerField(
        default=0,
        help_text=gettext_lazy("Windows that passed without an acknowledgement, each alerted."),
    )

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(
                fields=["group", "opened_at"],
                condition=Q(closed_at__isnull=True),
                name="measures_followup_open",
            )
        ]
        constraints = [
            known_choice("reason", FollowUpReason),
            models.CheckConstraint(
                condition=Q(group__isnull=False) | Q(assigned_to__isnull=False),
                name="measures_followup_has_someone_to_act",
                violation_error_message="A follow-up belongs to a group or to a clinician.",
            ),
            models.UniqueConstraint(
                fields=["participant", "last_absence"],
                condition=Q(last_absence__isnull=False),
                name="measures_one_follow_up_per_absence",
            ),
            models.CheckConstraint(
                condition=Q(contact="") | Q(contact__in=ContactMethod.values),
                name="measures_followup_contact_known",
                violation_error_message="Unknown contact.",
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True)
                | (Q(acknowledged_at__isnull=False) & ~Q(contact="") & ~Q(outcome="")),
                name="measures_followup_closed_with_outcome",
                violation_error_message="A follow-up is closed only once acknowledged, with how "
                "contact was made and what happened.",
            ),
            models.CheckConstraint(
                condition=Q(next_step="") | Q(next_step__in=NextStep.values),
                name="measures_followup_next_step_known",
                violation_error_message="Unknown next step.",
            ),
            models.CheckConstraint(
                condition=~Q(contact=ContactMethod.NOT_REACHED) | ~Q(next_step=""),
                name="measures_followup_not_reached_has_next_step",
                violation_error_message="Say what was done instead when no one could reach them.",
            ),
        ]

    def __str__(self) -> str:
        return f"Follow-up {self.pk} ({self.reason})"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class ContactAttempt(models.Model):
    """A try that did not reach the person: the follow-up stays open, and everyone sees who
    tried and when."""

    follow_up = models.ForeignKey(FollowUp, on_delete=models.PROTECT, related_name="attempts")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    tried_at = models.DateTimeField(db_default=Now())

    class Meta:
        ordering = ["tried_at", "pk"]

    def __str__(self) -> str:
        return f"Attempt on follow-up {self.follow_up_id}"
