"""Handouts: files for members, checked by content, kept through Django's storage API, given
out only once released and only through a view that checks who asks (facilitation and
participation `handouts.py`)."""

import uuid

from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from members.models import Role, User
from programmes import files
from programmes.models import Handout, HandoutRelease, PlannedModule
from sessions.models import GroupSession
from therapy_groups.models import TherapyGroup


def add_handout(
    *,
    upload,
    title: str,
    language: str,
    by: User,
    session: GroupSession | None = None,
    template=None,
    module_key: str = "",
) -> Handout:
    """Keep an uploaded file as a handout of a session, or of a programme's module."""
    kind = files.kind_of(upload)  # refuses what is not a handout, before anything is stored
    stored_name = storage().save(f"handouts/{uuid.uuid4().hex}.{kind.extension}", upload)
    try:
        return Handout.objects.create(
            session=session,
            template=template,
            module_key=module_key,
            language=language,
            title=title,
            stored_name=stored_name,
            content_type=kind.content_type,
            size=upload.size,
            uploaded_by=by,
        )
    except Exception:
        storage().delete(stored_name)  # a row that failed leaves no file behind
        raise


def storage():
    return storages["files"]


def opened(handout: Handout):
    return storage().open(handout.stored_name, "rb")


def remove_handout(*, handout: Handout) -> None:
    """The handout goes for everyone, and its file leaves the storage once that is committed."""
    name = handout.stored_name
    handout.delete()
    transaction.on_commit(lambda: storage().delete(name))


def release_handout(*, session: GroupSession, handout: Handout, by: User) -> HandoutRelease:
    if not offered_for(session).filter(pk=handout.pk).exists():
        raise ValidationError(_("That handout is not one of this session's."))
    release, _created = HandoutRelease.objects.get_or_create(
        session=session, handout=handout, defaults={"released_by": by}
    )
    return release


def offered_for(session: GroupSession):
    """The handouts a session may give out: its own, and its module's (in every language)."""
    planned = PlannedModule.objects.filter(session=session).select_related("module__version")
    planned = planned.first()
    of_module = (
        Q(template=planned.module.version.template_id, module_key=planned.module.key)
        if planned
        else Q(pk__in=[])
    )
    return Handout.objects.filter(Q(session=session) | of_module)


def downloadable_by(user: User):
    """The handouts `user` may download: a facilitator, every programme's and those of their
    groups' sessions; a member, those released to a session of a group they belong to."""
    if not user.is_authenticated:
        return Handout.objects.none()
    if user.role == Role.FACILITATOR:
        return Handout.objects.filter(
            Q(template__isnull=False) | Q(session__group__facilitators=user)
        ).distinct()
    if user.role == Role.PARTICIPANT:
        groups = TherapyGroup.objects.joined_by(user)
        return Handout.objects.filter(releases__session__group__in=groups).distinct()
    return Handout.objects.none()


def released_to(member: User) -> list[HandoutRelease]:
    """What has been released to the member, newest session first; where a session gave the
    same material in several languages, the member's own (or all, if none is theirs)."""
    releases = (
        HandoutRelease.objects.filter(session__group__in=TherapyGroup.objects.joined_by(member))
        .select_related("handout", "session__group")
        .order_by("-session__starts_at", "handout__title")
    )
    language = member.language_in_use[:2]
    by_session: dict[int, list[HandoutRelease]] = {}
    for release in releases:
        by_session.setdefault(release.session_id, []).append(release)
    shown = []
    for session_releases in by_session.values():
        own = [r for r in session_releases if r.handout.language[:2] == language]
        shown += own or session_releases
    return shown
