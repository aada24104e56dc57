"""The audit trail: every change to a clinical or account record, and every read of a page
that shows clinical records, becomes an AuditEvent (who, when, what, action, IP, request id).

Writes are caught where they happen: each app hands its models to `track` in its ready(), and
the receivers write the event in the same transaction as the change, so one never lands
without the other. Bulk updates that skip save() call `record` themselves (sign_notes).
Reads are recorded by the views that show clinical records, with `viewed`.

We wrote this part rather than adding django-pghistory: we need reads and request context as
much as row history, and row history would copy the note text (which must stay encrypted and
out of the trail). What is left is a few receivers and a middleware.
"""

from collections.abc import Callable, Iterable

from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save

from core.models import ACCOUNT_EVENT, AuditEvent
from core.redaction import redact
from core.request_context import client_ip, current_request

Action = AuditEvent.Action
# Events that change nothing shown on a page; every other event is a write.
NOT_WRITES = {
    Action.VIEW,
    Action.EXPORT,
    Action.DOWNLOAD,
    Action.LOGIN,
    Action.LOGOUT,
    Action.LOGIN_FAILED,
}


def _event(action: str, object_type: str, object_id, **fields) -> AuditEvent:
    request = current_request()
    user = getattr(request, "user", None)
    return AuditEvent(
        action=action,
        object_type=object_type,
        object_id=object_id,
        actor=user if user is not None and user.is_authenticated else None,
        ip=client_ip(request) if request is not None else None,
        request_id=getattr(request, "request_id", ""),
        **fields,
    )


def record(
    action: str,
    obj: models.Model | type[models.Model],
    *,
    group_id: int | None = None,
    participant_id: int | None = None,
    detail: dict | None = None,
) -> AuditEvent:
    """Write one event about `obj` (or about a kind of record, given a model class), by
    whoever is making the current request (nobody, in tasks and commands)."""
    event = _event(
        action,
        obj._meta.label_lower,
        obj.pk if isinstance(obj, models.Model) else None,
        group_id=group_id,
        participant_id=participant_id,
        detail=detail or {},
    )
    event.save()
    return event


def record_many(
    action: str, model: type[models.Model], ids: Iterable[int], *, group_id=None, participants=None
) -> None:
    """One event per id, in one INSERT; `participants` maps an id to the person it is about."""
    participants = participants or {}
    AuditEvent.objects.bulk_create(
        _event(
            action,
            model._meta.label_lower,
            pk,
            group_id=group_id,
            participant_id=participants.get(pk),
        )
        for pk in ids
    )


def viewed(request, obj: models.Model, *, group_id: int | None, participant_id=None, export=False):
    """A clinical page or export was opened."""
    return record(
        Action.EXPORT if export else Action.VIEW,
        obj,
        group_id=group_id,
        participant_id=participant_id,
        detail={"path": redact(request.path)},  # a link's token never enters the trail
    )


def group_trail(group_id: int):
    """What happened to a group's records, and who opened them: for its facilitators."""
    return (
        AuditEvent.objects.filter(group_id=group_id)
        .select_related("actor", "participant")
        .order_by("-occurred_at", "-pk")
    )


def account_trail():
    """Account and role events, for admins: never who opened which clinical record."""
    return (
        AuditEvent.objects.filter(ACCOUNT_EVENT)
        .select_related("actor", "participant")
        .order_by("-occurred_at", "-pk")
    )


def default_action(instance, created: bool, update_fields) -> str | None:
    if created:
        return Action.CREATE
    if update_fields and "signed_at" in update_fields:
        return Action.SIGN
    return Action.CHANGE


def track(
    model: type[models.Model],
    *,
    group: Callable[[models.Model], int | None],
    participant: Callable[[models.Model], int | None] = lambda instance: None,
    action: Callable[..., str | None] = default_action,
) -> None:
    """Write an event whenever an instance of `model` is saved or deleted."""

    def saved(sender, instance, created, update_fields, raw=False, **kwargs):
        chosen = None if raw else action(instance, created, update_fields)
        if chosen:
            record(
                chosen,
                instance,
                group_id=group(instance),
                participant_id=participant(instance),
                detail={"fields": sorted(update_fields)} if update_fields else None,
            )

    def deleted(sender, instance, **kwargs):
        record(
            Action.DELETE, instance, group_id=group(instance), participant_id=participant(instance)
        )

    uid = f"audit-{model._meta.label_lower}"
    post_save.connect(saved, sender=model, weak=False, dispatch_uid=uid)
    post_delete.connect(deleted, sender=model, weak=False, dispatch_uid=uid)


def track_membership(through: type[models.Model], *, group_of: Callable[[models.Model], int]):
    """Record changes to a many-to-many of people (a group's facilitators)."""

    def changed(sender, instance, action, pk_set, **kwargs):
        if action in ("post_add", "post_remove", "post_clear"):
            record(
                Action.FACILITATORS,
                instance,
                group_id=group_of(instance),
                detail={"change": action.removeprefix("post_"), "people": sorted(pk_set or [])},
            )

    m2m_changed.connect(changed, sender=through, weak=False, dispatch_uid=f"audit-{through}")
