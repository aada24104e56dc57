"""Therapy groups and who is in them. Goals arrive with the participants' issue."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.timezone import localdate, now
from django.utils.translation import gettext_lazy

from core.encryption import EncryptedCharField, EncryptedTextField
from core.validators import known_choice, single_line
from members.models import Role, full_name, validate_timezone


def person_label(*, name: str = "", email: str = "") -> str:
    """How facilitators see someone on a group's list: their name once they have joined; before
    that the address they were invited at."""
    return name or f"{email} (has not joined yet)"


def member_name(display_name: str, name: str) -> str:
    """The name a group's members see inside the app."""
    return display_name or name


class TherapyGroupQuerySet(models.QuerySet):
    def facilitated_by(self, user):
        """The groups this user facilitates: the scope of every facilitator page."""
        if not user.is_authenticated or user.role != Role.FACILITATOR:
            return self.none()
        return self.filter(facilitators=user)

    def joined_by(self, user):
        """The groups this participant is an active member of: the scope of participant pages."""
        if not user.is_authenticated or user.role != Role.PARTICIPANT:
            return self.none()
        return self.filter(
            enrollments__participant=user, enrollments__status=Enrollment.Status.ACTIVE
        ).distinct()

    def live(self):
        return self.exclude(status=TherapyGroup.Status.ARCHIVED)


NEUTRAL_NAME = gettext_lazy("Your group")


class TherapyGroupStatus(models.TextChoices):
    ACTIVE = "active", gettext_lazy("Active")
    FINISHED = "finished", gettext_lazy("Finished")
    ARCHIVED = "archived", gettext_lazy("Archived")


class TherapyGroup(models.Model):
    class Focus(models.TextChoices):
        DEPRESSION = "depression", gettext_lazy("Depression")
        ANXIETY = "anxiety", gettext_lazy("Anxiety")
        GRIEF = "grief", gettext_lazy("Grief and loss")
        TRAUMA = "trauma", gettext_lazy("Trauma")
        OTHER = "other", gettext_lazy("Other")

    class Kind(models.TextChoices):
        THERAPY = "therapy", gettext_lazy("Therapy group")
        PSYCHOEDUCATION = "psychoeducation", gettext_lazy("Psychoeducation")
        SKILLS = "skills", gettext_lazy("Skills group")
        SUPPORT = "support", gettext_lazy("Support group")

    class EnrollmentMode(models.TextChoices):
        OPEN = "open", gettext_lazy("Open (people join any time)")
        CLOSED = "closed", gettext_lazy("Closed cohort (no one joins after the first session)")

    Status = TherapyGroupStatus

    name = models.CharField(max_length=120, validators=[single_line])
    display_name = models.CharField(
        max_length=120,
        blank=True,
        validators=[single_line],
        help_text=gettext_lazy(
            "A discreet name for emails and calendars. If empty, they say “Your group”."
        ),
    )
    description = models.TextField(blank=True)
    focus = models.CharField(max_length=20, choices=Focus.choices, default=Focus.DEPRESSION)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.THERAPY)
    enrollment_mode = models.CharField(
        max_length=10, choices=EnrollmentMode.choices, default=EnrollmentMode.OPEN
    )
    capacity = models.PositiveSmallIntegerField(
        default=10, help_text=gettext_lazy("Most people in the group.")
    )
    location = models.CharField(
        max_length=200,
        blank=True,
        validators=[single_line],
        help_text=gettext_lazy("Room and address."),
    )
    video_link = models.URLField(blank=True)
    timezone = models.CharField(
        max_length=64, default=settings.TIME_ZONE, validators=[validate_timezone]
    )
    default_duration = models.PositiveSmallIntegerField(
        gettext_lazy("default session length (minutes)"), default=90
    )
    start_date = models.DateField(default=localdate)
    end_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    facilitators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="facilitated_groups",
        limit_choices_to={"role": Role.FACILITATOR},
    )
    created_at = models.DateTimeField(default=now)

    objects = TherapyGroupQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            known_choice("status", TherapyGroupStatus),
            models.CheckConstraint(
                condition=Q(capacity__gte=1),
                name="group_capacity_positive",
                violation_error_message="A group has room for at least one person.",
            ),
            models.CheckConstraint(
                condition=Q(default_duration__gte=15) & Q(default_duration__lte=480),
                name="group_duration_sensible",
                violation_error_message="Sessions last between 15 minutes and 8 hours.",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="group_ends_after_start",
                violation_error_message="The end date must be on or after the start date.",
            ),
            # Members of two groups must be able to tell them apart, on every schedule row
            # and in every reminder.
            models.UniqueConstraint(
                Lower("display_name"),
                condition=~Q(display_name=""),
                name="unique_display_name",
                violation_error_code="unique",
                violation_error_message="Another group already uses this name for members. "
                "Choose another, so people in both can tell them apart.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def public_name(self) -> str:
        """The name that may appear outside the app (emails, calendars): the discreet name, or
        a neutral one, never the real name, which may say what the group is for."""
        return self.display_name or str(NEUTRAL_NAME)

    @property
    def member_name(self) -> str:
        return member_name(self.display_name, self.name)

    @property
    def is_closed_cohort(self) -> bool:
        return self.enrollment_mode == self.EnrollmentMode.CLOSED


class EnrollmentQuerySet(models.QuerySet):
    def live(self):
        return self.filter(status__in=Enrollment.LIVE)

    def seated(self):
        """Enrollments holding a seat: members, people invited, and a waitlist offer."""
        return self.filter(
            Q(status__in=[Enrollment.Status.ACTIVE, Enrollment.Status.INVITED])
            | Q(status=Enrollment.Status.WAITLISTED, offered_at__isnull=False)
        )

    def waitlist(self):
        return self.filter(status=Enrollment.Status.WAITLISTED).order_by("waitlisted_at", "pk")

    def on_roster_on(self, day):
        """Who belonged to the group on `day`: the attendance list of a session that day."""
        return self.filter(
            status__in=Enrollment.ON_ROSTER,
            participant__isnull=False,
            joined_on__lte=day,
        ).filter(Q(left_on__isnull=True) | Q(left_on__gt=day))


class EnrollmentStatus(models.TextChoices):
    INVITED = "invited", gettext_lazy("Invited")
    ACTIVE = "active", gettext_lazy("Active")
    WAITLISTED = "waitlisted", gettext_lazy("Waitlisted")
    COMPLETED = "completed", gettext_lazy("Completed")
    WITHDRAWN = "withdrawn", gettext_lazy("Withdrawn")


class Enrollment(models.Model):
    """A person's membership of a group. Leaving ends the row; joining again starts a new one."""

    Status = EnrollmentStatus

    LIVE = (Status.INVITED, Status.ACTIVE, Status.WAITLISTED)
    # Who counts on a session's attendance list, if they belonged to the group that day.
    ON_ROSTER = (Status.ACTIVE, Status.COMPLETED, Status.WITHDRAWN)

    group = models.ForeignKey(TherapyGroup, on_delete=models.PROTECT, related_name="enrollments")
    # Empty while an invited person has not signed up yet; the invitation says who they are.
    # No index of its own: (participant, status) below serves lookups by person.
    participant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enrollments",
        db_index=False,
    )
    invitation = models.ForeignKey(
        "members.Invitation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="enrollments",
    )
    status = models.CharField(max_length=12, choices=Status.choices)
    joined_on = models.DateField(null=True, blank=True)
    left_on = models.DateField(null=True, blank=True)
    # Reasons are free text that often holds health information: encrypted like notes.
    leaving_reason = EncryptedCharField(max_length=300, blank=True)
    waitlisted_at = models.DateTimeField(null=True, blank=True)
    offered_at = models.DateTimeField(
        null=True, blank=True, help_text=gettext_lazy("When a seat was offered.")
    )
    override_reason = EncryptedCharField(
        max_length=300,
        blank=True,
        help_text=gettext_lazy("Why a closed cohort took this person in late."),
    )
    created_at = models.DateTimeField(default=now)

    objects = EnrollmentQuerySet.as_manager()

    class Meta:
        constraints = [
            known_choice("status", EnrollmentStatus),
            models.UniqueConstraint(
                fields=["group", "participant"],
                condition=Q(status__in=["invited", "active", "waitlisted"]),
                name="one_live_enrollment_per_person",
            ),
            models.UniqueConstraint(
                fields=["group", "invitation"],
                condition=Q(participant__isnull=True),
                name="one_enrollment_per_invitation",
            ),
            models.CheckConstraint(
                condition=Q(participant__isnull=False) | Q(invitation__isnull=False),
                name="enrollment_has_a_person",
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True)
                | Q(joined_on__isnull=True)
                | Q(left_on__gte=models.F("joined_on")),
                name="enrollment_leaves_after_joining",
            ),
        ]
        indexes = [models.Index(fields=["participant", "status"])]

    def __str__(self) -> str:
        return f"{self.person_label} in {self.group}"

    @property
    def person_label(self) -> str:
        """How facilitators see the person: their name once they have joined; before that the
        address they were invited at, the same whether or not it has an account."""
        if self.participant_id and self.joined_on is not None:
            person = self.participant
            return person_label(
                name=full_name(person.first_name, person.last_name, person.display_name)
            )
        email = self.participant.email if self.participant_id else self.invitation.email
        return person_label(email=email)

    @property
    def awaits_answer(self) -> bool:
        """An account holder was invited, or offered a waitlist place, and has not answered."""
        invited = self.status == self.Status.INVITED and self.participant_id is not None
        return invited or (self.has_offer and self.participant_id is not None)

    @property
    def is_live(self) -> bool:
        return self.status in self.LIVE

    @property
    def has_offer(self) -> bool:
        return self.status == self.Status.WAITLISTED and self.offered_at is not None


class GoalQuerySet(models.QuerySet):
    def of(self, user):
        """A participant's own goals: the only goals whose text they see, besides shared ones."""
        return self.filter(participant=user)

    def in_facilitated_groups(self, user):
        return self.filter(group__in=TherapyGroup.objects.facilitated_by(user))

    def with_comment_flag(self):
        """Each goal with `has_comments`: a page asks for the comments only when there are
        some (most goals have none)."""
        return self.annotate(
            has_comments=models.Exists(GoalComment.objects.filter(goal=models.OuterRef("pk")))
        )

    def shared_in(self, groups):
        """Goals members chose to share with these groups: fellow members see title and progress."""
        return self.filter(
            group__in=groups, shared=True, status__in=[Goal.Status.ACTIVE, Goal.Status.ACHIEVED]
        )


class GoalStatus(models.TextChoices):
    SUGGESTED = "suggested", gettext_lazy("Suggested by your facilitator")
    ACTIVE = "active", gettext_lazy("Working on it")
    PAUSED = "paused", gettext_lazy("Paused")
    ACHIEVED = "achieved", gettext_lazy("Achieved")
    DROPPED = "dropped", gettext_lazy("Let go")
    DECLINED = "declined", gettext_lazy("Not for me")


class Goal(models.Model):
    """A participant's personal goal within a group."""

    Status = GoalStatus
    OPEN = (Status.ACTIVE, Status.PAUSED)  # still being worked on: check-ins welcome

    # (group, shared) and (participant, status) below serve lookups by either.
    group = models.ForeignKey(
        TherapyGroup, on_delete=models.PROTECT, related_name="goals", db_index=False
    )
    participant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="goals", db_index=False
    )
    what = EncryptedCharField(gettext_lazy("what you want to do"), max_length=200)
    why = EncryptedTextField(gettext_lazy("why it matters to you"), blank=True)
    how_know = EncryptedTextField(gettext_lazy("how you will know"), blank=True)
    by_when = models.DateField(gettext_lazy("by when"), null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    shared = models.BooleanField(
        gettext_lazy("share with my group"),
        default=False,
        help_text=gettext_lazy(
            "Your group then sees its title and latest progress, with your first name."
        ),
    )
    suggested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = GoalQuerySet.as_manager()

    class Meta:
        constraints = [known_choice("status", GoalStatus)]
        ordering = ["status", "-created_at"]
        indexes = [
            models.Index(fields=["participant", "status"]),
            models.Index(fields=["group", "shared"]),
        ]

    def __str__(self) -> str:
        return f"Goal {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class GoalCheckIn(models.Model):
    goal = models.ForeignKey(  # (goal, created_at) serves it
        Goal, on_delete=models.CASCADE, related_name="check_ins", db_index=False
    )
    progress = models.PositiveSmallIntegerField(
        help_text=gettext_lazy("0 (not started) to 10 (done).")
    )
    note = EncryptedCharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["goal", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__lte=10),
                name="check_in_progress_0_to_10",
                violation_error_message="Progress goes from 0 to 10.",
            )
        ]

    def __str__(self) -> str:
        return f"Check-in {self.pk}: {self.progress}/10"


class GoalComment(models.Model):
    """A facilitator's word on a goal; only its participant and the facilitators see it."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = EncryptedCharField(max_length=1000)
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"Comment {self.pk}"
