"""Reading programmes: what a member has done of their group's programme."""

from dataclasses import dataclass
from datetime import datetime

from programmes.models import GroupProgramme, Module, PlannedModule, Worksheet
from sessions.models import Attendance, TakeHomeDone
from therapy_groups.models import TherapyGroup


@dataclass(frozen=True)
class ModuleProgress:
    module: Module
    attended_at: datetime | None  # the first session of it they were present at


@dataclass(frozen=True)
class Progress:
    modules: list[ModuleProgress]

    @property
    def done(self) -> int:
        return sum(1 for row in self.modules if row.attended_at)

    @property
    def still_to_do(self) -> list[Module]:
        return [row.module for row in self.modules if row.attended_at is None]

    @property
    def completed_at(self) -> datetime | None:
        """When the programme was completed: the session at which the member had attended each
        module once. Read from the register, so a corrected register corrects it."""
        if not self.modules or self.still_to_do:
            return None
        return max(row.attended_at for row in self.modules)


def progress(group: TherapyGroup, participant) -> Progress | None:
    """The member's way through the programme their group follows (None: it follows none)."""
    return dict(progress_in([group], participant)).get(group)


def progress_in(groups, participant) -> list[tuple[TherapyGroup, Progress]]:
    """The member's way through each of these groups' programmes (groups on none are left
    out), in three queries however many groups. Modules count by key, so sessions planned
    from an earlier version count too."""
    followed = list(
        GroupProgramme.objects.filter(group__in=groups)
        .select_related("group")
        .order_by("group__name")
    )
    modules: dict[int, list[Module]] = {}
    for module in Module.objects.filter(version__in=[f.version_id for f in followed]):
        modules.setdefault(module.version_id, []).append(module)
    attended: dict[tuple[int, str], object] = {}
    present = PlannedModule.objects.filter(
        session__group__in=[f.group_id for f in followed],
        session__attendance__participant=participant,
        session__attendance__status=Attendance.Status.PRESENT,
    ).values_list("session__group_id", "module__key", "session__starts_at")
    for group_id, key, starts_at in present:
        attended[group_id, key] = min(starts_at, attended.get((group_id, key), starts_at))
    return [
        (
            f.group,
            Progress(
                [
                    ModuleProgress(module=m, attended_at=attended.get((f.group_id, m.key)))
                    for m in modules.get(f.version_id, [])
                ]
            ),
        )
        for f in followed
    ]


def note_prompts(session) -> list[str]:
    """The questions the session's module suggests for its group note (none if it has none)."""
    planned = PlannedModule.objects.filter(session=session).select_related("module").first()
    return planned.module.prompts if planned else []


def followed_by(group: TherapyGroup) -> GroupProgramme | None:
    return GroupProgramme.objects.filter(group=group).select_related("version__template").first()


def take_home_done(sessions, participant=None) -> set[tuple[int, int]]:
    """The (participant id, session id) pairs whose take-home practice is done: ticked "I did
    this", or a worksheet with something in it (the board and the discharge summary count
    the same thing)."""
    ticked = TakeHomeDone.objects.filter(session__in=sessions)
    filled = Worksheet.objects.filter(session__in=sessions, filled__gt=0)
    if participant is not None:
        ticked, filled = (
            ticked.filter(participant=participant),
            filled.filter(participant=participant),
        )
    pairs = ("participant_id", "session_id")
    return set(ticked.values_list(*pairs)) | set(filled.values_list(*pairs))
