"""Writing programmes: templates and their versions, the version a group follows, and the
plans its sessions take from it."""

from django.db import transaction
from django.db.models import Max

from members.models import User
from programmes.exchange import TemplateText
from programmes.models import (
    GroupProgramme,
    Module,
    PlannedModule,
    ProgrammeTemplate,
    SessionWorksheet,
    TemplateVersion,
)
from programmes.queries import followed_by
from programmes.worksheets import KINDS
from sessions.models import GroupSession
from therapy_groups.models import TherapyGroup


@transaction.atomic
def save_template(*, text: TemplateText, by: User | None) -> TemplateVersion:
    """A new version of the template of that name (a new template if there is none). Nothing
    already written is changed: the groups following an older version keep it."""
    template, _created = ProgrammeTemplate.objects.get_or_create(name=text.name)
    # One writer at a time per template, so two saves never take the same number.
    ProgrammeTemplate.objects.select_for_update().filter(pk=template.pk).first()
    last = template.versions.aggregate(last=Max("number"))["last"] or 0
    version = TemplateVersion.objects.create(
        template=template,
        number=last + 1,
        language=text.language,
        description=text.description,
        created_by=by,
    )
    Module.objects.bulk_create(
        Module(
            version=version,
            position=position,
            key=module.key,
            title=module.title,
            agenda=module.agenda,
            take_home=module.take_home,
            note_prompts=module.note_prompts,
            worksheet=module.worksheet,
        )
        for position, module in enumerate(text.modules, start=1)
    )
    return version


def follow_programme(*, group: TherapyGroup, version: TemplateVersion | None, by: User) -> None:
    """The group follows `version` from its next planned session on (None: no programme)."""
    if version is None:
        GroupProgramme.objects.filter(group=group).delete()
        return
    GroupProgramme.objects.update_or_create(
        group=group, defaults={"version": version, "chosen_by": by}
    )


@transaction.atomic
def plan_from_programme(*, sessions: list[GroupSession]) -> int:
    """Give new sessions of one group the next modules of its programme, in order, coming back
    to the first after the last (a rolling group runs the programme again and again). Copies
    each module's plan onto its session, where a facilitator may still change it. Returns how
    many sessions were planned (none when the group follows no programme)."""
    if not sessions:
        return 0
    group = sessions[0].group
    followed = followed_by(group)
    if followed is None:
        return 0
    modules = list(followed.version.modules.all())
    position = _next_position(group, [s.pk for s in sessions], modules)
    planned = []
    for session in sorted(sessions, key=lambda s: s.starts_at):
        module = modules[position % len(modules)]
        session.topic = module.title
        session.agenda = module.agenda
        session.take_home = module.take_home
        session.curriculum_module = str(module)[:120]
        planned.append(PlannedModule(session=session, module=module))
        position += 1
    GroupSession.objects.bulk_update(
        sessions, ["topic", "agenda", "take_home", "curriculum_module"]
    )
    PlannedModule.objects.bulk_create(planned)
    SessionWorksheet.objects.bulk_create(
        SessionWorksheet(session=p.session, kind=p.module.worksheet)
        for p in planned
        if p.module.worksheet in KINDS
    )
    return len(planned)


def _next_position(group: TherapyGroup, new: list[int], modules: list[Module]) -> int:
    """Where the new sessions start: after the module of the group's latest session planned
    before them (by key, so a new version carries on where the old one was)."""
    last = (
        PlannedModule.objects.filter(session__group=group)
        .exclude(session__in=new)
        .exclude(session__status=GroupSession.Status.CANCELLED)
        .order_by("-session__starts_at")
        .values_list("module__key", flat=True)
        .first()
    )
    keys = [module.key for module in modules]
    return keys.index(last) + 1 if last in keys else 0
