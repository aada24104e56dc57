"""Programme templates: the manual a group is taught from, as an ordered list of modules.

A template is a name; what it says lives in numbered versions. Editing makes a new version and
never touches an old one, so a session already planned from a version keeps what it was given
(its plan is copied onto the session) and a group keeps the version it follows until a
facilitator moves it on. A module's key stays the same across versions: a member's progress
counts modules by key, so a member who attended "thoughts" under version 1 has done it under 2.
"""

import json

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

from core.encryption import EncryptedTextField
from core.validators import single_line
from sessions.models import GroupSession
from therapy_groups.models import TherapyGroup


class ProgrammeTemplate(models.Model):
    name = models.CharField(
        gettext_lazy("name"), max_length=120, unique=True, validators=[single_line]
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def current(self) -> "TemplateVersion":
        return self.versions.order_by("-number").first()


class TemplateVersion(models.Model):
    template = models.ForeignKey(
        ProgrammeTemplate, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField()
    language = models.CharField(gettext_lazy("language"), max_length=10)
    description = models.TextField(gettext_lazy("what it is for"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["template", "number"]
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="one_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.template} v{self.number}"


class Module(models.Model):
    """One session of the programme: what it covers and what members take home."""

    version = models.ForeignKey(TemplateVersion, on_delete=models.CASCADE, related_name="modules")
    position = models.PositiveSmallIntegerField()
    key = models.SlugField(max_length=50)
    title = models.CharField(max_length=200, validators=[single_line])
    agenda = models.TextField(blank=True)
    take_home = models.TextField(blank=True)
    # Questions for the group note, one a line (shown beside the note, never sent anywhere).
    note_prompts = models.TextField(blank=True)
    # The worksheet its take-home practice is (a kind's slug: programmes/worksheets.py), if any.
    worksheet = models.SlugField(max_length=50, blank=True)

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "position"], name="one_module_a_position"),
            models.UniqueConstraint(fields=["version", "key"], name="one_module_a_key"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"

    @property
    def prompts(self) -> list[str]:
        return [line.strip() for line in self.note_prompts.splitlines() if line.strip()]


class GroupProgramme(models.Model):
    """The version a group follows."""

    group = models.OneToOneField(TherapyGroup, on_delete=models.CASCADE, related_name="programme")
    version = models.ForeignKey(TemplateVersion, on_delete=models.PROTECT, related_name="groups")
    chosen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    chosen_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.group} follows {self.version}"


class PlannedModule(models.Model):
    """The module a session teaches (its plan was copied from it when it was scheduled)."""

    session = models.OneToOneField(
        GroupSession, on_delete=models.CASCADE, related_name="planned_module"
    )
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="sessions")

    def __str__(self) -> str:
        return f"{self.session}: {self.module}"


class Handout(models.Model):
    """A file for members, in one language: a programme module's (each session planned from
    that module may release it) or one session's own. Members see it once it is released."""

    template = models.ForeignKey(
        ProgrammeTemplate, null=True, blank=True, on_delete=models.CASCADE, related_name="handouts"
    )
    module_key = models.SlugField(max_length=50, blank=True)
    session = models.ForeignKey(
        GroupSession, null=True, blank=True, on_delete=models.CASCADE, related_name="handouts"
    )
    language = models.CharField(gettext_lazy("language"), max_length=10, choices=settings.LANGUAGES)
    title = models.CharField(gettext_lazy("title"), max_length=200, validators=[single_line])
    # Its name in the files storage (settings.STORAGES["files"], read when used, so a test may
    # move it): random, never the uploader's file name.
    stored_name = models.CharField(max_length=200, unique=True)
    content_type = models.CharField(max_length=120)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["title", "language"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(template__isnull=False, session__isnull=True) & ~Q(module_key="")
                    | Q(template__isnull=True, session__isnull=False, module_key="")
                ),
                name="handout_of_a_module_or_a_session",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def extension(self) -> str:
        return self.stored_name.rsplit(".", 1)[-1]


class HandoutRelease(models.Model):
    """From this moment the members of the session's group may download the handout."""

    session = models.ForeignKey(
        GroupSession, on_delete=models.CASCADE, related_name="handout_releases"
    )
    handout = models.ForeignKey(Handout, on_delete=models.CASCADE, related_name="releases")
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    released_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "handout"], name="one_release_a_session")
        ]

    def __str__(self) -> str:
        return f"{self.handout} for {self.session}"


class SessionWorksheet(models.Model):
    """The worksheet a session sets as its take-home practice."""

    session = models.OneToOneField(
        GroupSession, on_delete=models.CASCADE, related_name="set_worksheet"
    )
    kind = models.CharField(max_length=50)  # a kind's slug (programmes/worksheets.json)

    def __str__(self) -> str:
        return f"{self.session}: {self.kind}"


class Worksheet(models.Model):
    """A member's worksheet for a session: clinical text, encrypted; their group's
    facilitators read it, nobody else."""

    session = models.ForeignKey(GroupSession, on_delete=models.CASCADE, related_name="+")
    participant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="worksheets"
    )
    kind = models.CharField(max_length=50)
    entries = EncryptedTextField(blank=True)  # JSON: a list of rows, each {field: value}
    filled = models.PositiveSmallIntegerField(default=0)  # rows with anything in them
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "participant"], name="one_worksheet_each")
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.session}"

    @property
    def rows(self) -> list[dict]:
        return json.loads(self.entries) if self.entries else []
