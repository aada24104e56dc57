"""Group sessions: when a group meets, who came, and what the facilitators wrote."""

import zoneinfo
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

from core.encryption import EncryptedCharField, EncryptedTextField
from core.validators import known_choice, single_line
from members.models import Role
from therapy_groups.models import TherapyGroup


class SessionSeries(models.Model):
    """A recurrence (RFC 5545 RRULE) expanded into GroupSession rows in the group's zone."""

    class Frequency(models.TextChoices):
        WEEKLY = "weekly", gettext_lazy("Every week")
        BIWEEKLY = "biweekly", gettext_lazy("Every two weeks")
        MONTHLY = "monthly", gettext_lazy("Every month (same weekday, e.g. 2nd Tuesday)")

    group = models.ForeignKey(TherapyGroup, on_delete=models.PROTECT, related_name="series")
    frequency = models.CharField(max_length=10, choices=Frequency.choices)
    rrule = models.CharField(
        max_length=200, help_text=gettext_lazy("RFC 5545 RRULE, in the group's time zone.")
    )
    first_date = models.DateField()
    local_time = models.TimeField()
    duration = models.PositiveSmallIntegerField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.group}: {self.get_frequency_display()} from {self.first_date}"


class GroupSessionQuerySet(models.QuerySet):
    def for_facilitator(self, user):
        if not user.is_authenticated or user.role != Role.FACILITATOR:
            return self.none()
        # A join rather than `group__in` a subquery: half the planning time for the same rows.
        return self.filter(group__facilitators=user)

    def for_participant(self, user):
        """Sessions of the groups the participant is an active member of."""
        return self.filter(group__in=TherapyGroup.objects.joined_by(user))

    def for_calendar_of(self, user):
        return (
            self.for_facilitator(user)
            if user.role == Role.FACILITATOR
            else self.for_participant(user)
        )

    def upcoming(self, now=None):
        return self.filter(starts_at__gte=now or timezone.now()).order_by("starts_at")

    def past(self, now=None):
        return self.filter(starts_at__lt=now or timezone.now()).order_by("-starts_at")

    def not_cancelled(self):
        return self.exclude(status=GroupSession.Status.CANCELLED)

    def with_neighbours(self):
        """Each session with the ids of its group's sessions just before and just after it
        (`previous_id`, `following_id`; None at either end), in the same query."""
        siblings = GroupSession.objects.filter(group=models.OuterRef("group")).values("pk")
        starts = models.OuterRef("starts_at")
        return self.annotate(
            previous_id=models.Subquery(
                siblings.filter(starts_at__lt=starts).order_by("-starts_at")[:1]
            ),
            following_id=models.Subquery(
                siblings.filter(starts_at__gt=starts).order_by("starts_at")[:1]
            ),
        )

    def without_signed_note(self):
        """Sessions whose group note is missing or a draft. An anti-join on the note's session
        index; excluding through the relation made PostgreSQL scan every note."""
        signed = GroupNote.objects.filter(session=models.OuterRef("pk")).signed()
        return self.exclude(models.Exists(signed))


class GroupSessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", gettext_lazy("Scheduled")
    HELD = "held", gettext_lazy("Took place")
    NOT_HELD = "not_held", gettext_lazy("Did not take place")
    CANCELLED = "cancelled", gettext_lazy("Cancelled")


class GroupSession(models.Model):
    """One dated meeting of a group. Belongs to the group, never to a roster."""

    Status = GroupSessionStatus

    # No index of its own: (group, starts_at) below serves lookups by group, in time order.
    group = models.ForeignKey(
        TherapyGroup, on_delete=models.PROTECT, related_name="sessions", db_index=False
    )
    series = models.ForeignKey(
        SessionSeries, null=True, blank=True, on_delete=models.SET_NULL, related_name="sessions"
    )
    starts_at = models.DateTimeField()
    duration = models.PositiveSmallIntegerField(gettext_lazy("length (minutes)"))
    location = models.CharField(max_length=200, blank=True, validators=[single_line])
    video_link = models.URLField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    # Why it was cancelled, for the record: it may say who is unwell, so members never see it.
    cancel_reason = EncryptedCharField(max_length=300, blank=True)
    # What members are told besides "cancelled", only if the facilitator writes it for them.
    members_message = models.CharField(
        gettext_lazy("a message for the members (optional)"),
        max_length=200,
        blank=True,
        validators=[single_line],
    )
    # The plan. Topic and take-home assignment are what participants see.
    topic = models.CharField(max_length=200, blank=True, validators=[single_line])
    agenda = models.TextField(blank=True)
    curriculum_module = models.CharField(max_length=120, blank=True)
    materials_link = models.URLField(blank=True)
    materials_shared = models.BooleanField(
        gettext_lazy("participants see the materials link"),
        default=False,
        help_text=gettext_lazy(
            "Tick if the link is for participants too (a worksheet, a reading). "
            "Otherwise only facilitators see it."
        ),
    )
    take_home = models.TextField(gettext_lazy("take-home assignment"), blank=True)
    # Bumped on every change participants should hear about (calendar SEQUENCE, notices).
    sequence = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = GroupSessionQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["group", "starts_at"])]
        constraints = [
            known_choice("status", GroupSessionStatus),
            models.CheckConstraint(
                condition=Q(duration__gte=15) & Q(duration__lte=480),
                name="session_duration_sensible",
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | ~Q(cancel_reason=""),
                name="cancelled_session_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group} on {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def ends_at(self):
        return self.starts_at + timedelta(minutes=self.duration)

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    @property
    def group_zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.group.timezone)

    @property
    def local_date(self):
        """The session's date where the group meets."""
        return timezone.localtime(self.starts_at, self.group_zone).date()


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", gettext_lazy("Present")
    LATE = "late", gettext_lazy("Late")
    LEFT_EARLY = "left_early", gettext_lazy("Left early")
    ABSENT = "absent", gettext_lazy("Absent")
    EXCUSED = "excused", gettext_lazy("Excused")


class Attendance(models.Model):
    Status = AttendanceStatus

    ATTENDED = (Status.PRESENT, Status.LATE, Status.LEFT_EARLY)

    # Neither has an index of its own: the unique (session, participant) and the index
    # (participant, session) serve both directions (bench/indexes.py shows the plans).
    session = models.ForeignKey(
        GroupSession, on_delete=models.CASCADE, related_name="attendance", db_index=False
    )
    participant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="attendance",
        db_index=False,
    )
    status = models.CharField(max_length=12, choices=Status.choices)
    comment = EncryptedCharField(max_length=200, blank=True)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    marked_at = models.DateTimeField(default=timezone.now)
    # Once the session's notes are signed, each change carries the addendum that records it
    # (the database refuses one without: group_sessions migration 0014).
    addendum = models.OneToOneField(
        to="Addendum", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            known_choice("status", AttendanceStatus),
            models.UniqueConstraint(
                fields=["session", "participant"], name="one_attendance_per_person"
            ),
        ]
        indexes = [models.Index(fields=["participant", "session"])]

    def __str__(self) -> str:
        return f"Attendance {self.pk}: {self.status}"

    @property
    def attended(self) -> bool:
        return self.status in self.ATTENDED


class AbsenceFollowUp(models.Model):
    """A date a facilitator reached out after repeated absences, recorded before absences
    joined the follow-up loop (measures/absences.py): still honoured, no longer written."""

    group = models.ForeignKey(  # (group, participant, followed_up_on) serves it
        TherapyGroup, on_delete=models.CASCADE, related_name="follow_ups", db_index=False
    )
    participant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    followed_up_on = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["group", "participant", "followed_up_on"])]

    def __str__(self) -> str:
        return f"Follow-up {self.pk} on {self.followed_up_on}"


class TakeHomeDone(models.Model):
    """A participant says they did a session's take-home assignment."""

    session = models.ForeignKey(GroupSession, on_delete=models.CASCADE, related_name="+")
    participant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    done_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "participant"], name="one_take_home_done")
        ]

    def __str__(self) -> str:
        return f"Take-home of session {self.session_id} done"


class NoteFormat(models.TextChoices):
    DAP = "dap", gettext_lazy("DAP (Data, Assessment, Plan)")
    SOAP = "soap", gettext_lazy("SOAP (Subjective, Objective, Assessment, Plan)")
    BIRP = "birp", gettext_lazy("BIRP (Behaviour, Intervention, Response, Plan)")
    FREE = "free", gettext_lazy("Free text")


# The structured fields each format uses, in order.
NOTE_FIELDS = {
    NoteFormat.DAP: ["data", "assessment", "plan"],
    NoteFormat.SOAP: ["subjective", "objective", "assessment", "plan"],
    NoteFormat.BIRP: ["behaviour", "intervention", "response", "plan"],
    NoteFormat.FREE: ["free_text"],
}


class SignedQuerySet(models.QuerySet):
    def unsigned(self):
        return self.filter(signed_at__isnull=True)

    def signed(self):
        return self.filter(signed_at__isnull=False)


class SignedNote(models.Model):
    """A draft until signed; then PostgreSQL itself refuses changes (migration 0003)."""

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SignedQuerySet.as_manager()

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=Q(signed_at__isnull=True, signed_by__isnull=True)
                | Q(signed_at__isnull=False, signed_by__isnull=False),
                name="%(class)s_signature_complete",
            ),
        ]

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


class GroupNote(SignedNote):
    """The one note about a session as a whole, written once for the whole group."""

    session = models.OneToOneField(GroupSession, on_delete=models.PROTECT, related_name="note")
    format = models.CharField(max_length=5, choices=NoteFormat.choices, default=NoteFormat.DAP)
    subjective = EncryptedTextField(blank=True)
    objective = EncryptedTextField(blank=True)
    data = EncryptedTextField(blank=True)
    behaviour = EncryptedTextField(blank=True)
    intervention = EncryptedTextField(blank=True)
    response = EncryptedTextField(blank=True)
    assessment = EncryptedTextField(blank=True)
    plan = EncryptedTextField(blank=True)
    free_text = EncryptedTextField(blank=True)

    def __str__(self) -> str:
        return f"Group note {self.pk} ({'signed' if self.is_signed else 'draft'})"

    @classmethod
    def section_label(cls, field: str) -> str:
        """ "Assessment": a section's heading, on the page, the form and carried text."""
        return cls._meta.get_field(field).verbose_name.capitalize()

    def sections(self) -> list[tuple[str, str]]:
        """(label, text) for the fields of this note's format."""
        return [
            (self.section_label(name), getattr(self, name)) for name in NOTE_FIELDS[self.format]
        ]


class IndividualNote(SignedNote):
    """A short note about one participant who attended a session; signed with the group note."""

    session = models.ForeignKey(
        GroupSession, on_delete=models.PROTECT, related_name="individual_notes"
    )
    participant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="individual_notes"
    )
    progress = EncryptedTextField(blank=True)
    participation = EncryptedTextField(blank=True)
    risk_flag = models.BooleanField(gettext_lazy("risk concern"), default=False)

    class Meta(SignedNote.Meta):
        constraints = [
            *SignedNote.Meta.constraints,
            models.UniqueConstraint(fields=["session", "participant"], name="one_individual_note"),
        ]

    def __str__(self) -> str:
        return f"Individual note {self.pk} ({'signed' if self.is_signed else 'draft'})"


class Addendum(models.Model):
    """A correction to a signed note: appended and signed; the original never changes."""

    group_note = models.ForeignKey(
        GroupNote, null=True, blank=True, on_delete=models.PROTECT, related_name="addenda"
    )
    individual_note = models.ForeignKey(
        IndividualNote, null=True, blank=True, on_delete=models.PROTECT, related_name="addenda"
    )
    text = EncryptedTextField()
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["signed_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(group_note__isnull=False, individual_note__isnull=True)
                | Q(group_note__isnull=True, individual_note__isnull=False),
                name="addendum_to_exactly_one_note",
            ),
        ]

    def __str__(self) -> str:
        return f"Addendum {self.pk}"
