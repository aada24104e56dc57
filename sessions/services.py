"""Writes about sessions: scheduling, changing, cancelling, attendance and signed notes."""

import zoneinfo
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit, outbox
from core.clock import DatabaseNow, db_now
from core.outbox.models import Notification
from members.models import User
from sessions.models import (
    NOTE_FIELDS,
    Addendum,
    Attendance,
    GroupNote,
    GroupSession,
    IndividualNote,
    SessionSeries,
    TakeHomeDone,
)
from sessions.notes import notes_signed, signing_review
from sessions.outbox import CANCELLED, SESSION_REMINDER, TIME_CHANGED, plan_sessions
from sessions.queries import roster_for
from sessions.recurrence import build_rrule, local_to_utc, occurrences
from therapy_groups.models import Enrollment, TherapyGroup


@dataclass(frozen=True)
class Clash:
    """Another session the same facilitator runs at an overlapping time (a warning, not a block)."""

    facilitator: User
    session: GroupSession


def find_double_bookings(
    *, group: TherapyGroup, starts: list[datetime], duration: int, ignore: list[int] | None = None
) -> list[Clash]:
    """Sessions of the group's facilitators' *other* groups that overlap any of `starts`."""
    if not starts:
        return []
    length = timedelta(minutes=duration)
    overlap = Q()
    for start in starts:
        # Overlap: other starts before this ends and ends after this starts. Sessions last at
        # most 8 hours, so "starts within 8 hours before" bounds the end side in SQL.
        overlap |= Q(starts_at__lt=start + length, starts_at__gt=start - timedelta(hours=8))
    facilitators = list(group.facilitators.all())
    candidates = (
        GroupSession.objects.not_cancelled()
        .filter(overlap, group__facilitators__in=facilitators)
        .exclude(group=group)
        .exclude(pk__in=ignore or [])
        .select_related("group")
        .prefetch_related("group__facilitators")
        .distinct()
    )
    clashes = []
    for other in candidates:
        if any(other.starts_at < s + length and other.ends_at > s for s in starts):
            clashes.extend(
                Clash(f, other) for f in other.group.facilitators.all() if f in facilitators
            )
    return clashes


@transaction.atomic
def schedule_session(
    *,
    group: TherapyGroup,
    day: date,
    at: time,
    duration: int,
    location: str = "",
    video_link: str = "",
    topic: str = "",
) -> GroupSession:
    session = GroupSession.objects.create(
        group=group,
        starts_at=local_to_utc(day, at, group.timezone),
        duration=duration,
        location=location or group.location,
        video_link=video_link or group.video_link,
        topic=topic,
    )
    plan_sessions([session])
    return session


@transaction.atomic
def schedule_series(
    *,
    group: TherapyGroup,
    frequency: str,
    first_date: date,
    at: time,
    duration: int,
    count: int | None = None,
    until: date | None = None,
    location: str = "",
    video_link: str = "",
    created_by: User | None = None,
    skip: Collection[date] = (),
) -> SessionSeries:
    """Create a recurring series and its sessions, expanded in the group's time zone, leaving
    out the `skip` dates (see series_starts)."""
    rule = build_rrule(
        frequency=frequency, first_date=first_date, count=_with_skipped(count, skip), until=until
    )
    series = SessionSeries.objects.create(
        group=group,
        frequency=frequency,
        rrule=rule,
        first_date=first_date,
        local_time=at,
        duration=duration,
        created_by=created_by,
    )
    starts = _skipping(
        _series_starts(rule, first_date=first_date, at=at, zone=group.timezone),
        skip,
        zone=group.timezone,
        count=count,
    )
    sessions = GroupSession.objects.bulk_create(
        GroupSession(
            group=group,
            series=series,
            starts_at=start,
            duration=duration,
            location=location or group.location,
            video_link=video_link or group.video_link,
        )
        for start in starts
    )
    plan_sessions(sessions)
    return series


def series_starts(
    *,
    group: TherapyGroup,
    frequency: str,
    first_date: date,
    at: time,
    count: int | None,
    until: date | None,
    skip: Collection[date] = (),
) -> list[datetime]:
    """The series' starts. Dates in `skip` (a public holiday, say) are left out; a series of
    `count` sessions still has `count`, later dates taking their place."""
    rule = build_rrule(
        frequency=frequency, first_date=first_date, count=_with_skipped(count, skip), until=until
    )
    starts = _series_starts(rule, first_date=first_date, at=at, zone=group.timezone)
    return _skipping(starts, skip, zone=group.timezone, count=count)


def _with_skipped(count: int | None, skip: Collection[date]) -> int | None:
    return None if count is None else count + len(skip)


def _skipping(
    starts: list[datetime], skip: Collection[date], *, zone: str, count: int | None
) -> list[datetime]:
    where = zoneinfo.ZoneInfo(zone)
    kept = [start for start in starts if timezone.localtime(start, where).date() not in skip]
    return kept[:count] if count is not None else kept


MAX_SERIES_SESSIONS = 104  # two years weekly; the schedule form allows as many


def _series_starts(rule: str, *, first_date: date, at: time, zone: str) -> list[datetime]:
    """The series' sessions, all of them or a clear refusal, never silently fewer."""
    starts = occurrences(
        rrule_text=rule, first_date=first_date, at=at, zone=zone, limit=MAX_SERIES_SESSIONS + 1
    )
    if not starts:
        raise ValidationError(_("That series has no sessions: check its end date."))
    if len(starts) > MAX_SERIES_SESSIONS:
        raise ValidationError(
            _(
                "That series would have more than %(most)s sessions. Choose an earlier last "
                "date, or schedule the rest later as a new series."
            )
            % {"most": MAX_SERIES_SESSIONS}
        )
    return starts


def _local(session: GroupSession) -> datetime:
    return timezone.localtime(session.starts_at, session.group_zone)


@transaction.atomic
def change_session(
    *,
    session: GroupSession,
    day: date,
    at: time,
    duration: int,
    location: str,
    video_link: str,
    topic: str,
    and_following: bool = False,
) -> list[GroupSession]:
    """Move or re-place a session; with `and_following`, every later session in its series too.

    Following sessions keep their own dates shifted by the same number of days, at the new
    local time. The topic is per session, so it changes on this one only.
    """
    if session.is_cancelled:
        raise ValidationError(_("A cancelled session cannot be changed."))
    shift = day - _local(session).date()
    targets = [session]
    if and_following and session.series_id:
        targets += list(
            GroupSession.objects.filter(
                series=session.series,
                starts_at__gt=session.starts_at,
                status=GroupSession.Status.SCHEDULED,
            ).select_related("group")
        )
    now = timezone.now()
    for target in targets:
        was = target.starts_at
        new_start = local_to_utc(_local(target).date() + shift, at, target.group.timezone)
        moved = new_start != target.starts_at or duration != target.duration
        re_placed = (location, video_link) != (target.location, target.video_link)
        target.starts_at, target.duration = new_start, duration
        target.location, target.video_link = location, video_link
        if target is session:
            target.topic = topic
        if moved or re_placed:
            target.sequence += 1
        target.save()
        if moved:
            outbox.cancel_pending(
                subject_id=target.pk,
                kind=SESSION_REMINDER,
                occurrence__lt=target.starts_at,
            )
            outbox.cancel_pending(
                subject_id=target.pk,
                kind=SESSION_REMINDER,
                occurrence__gt=target.starts_at,
            )
        if moved and target.starts_at > now:
            _notify_of_new_time(target, was)
    # Reminders for the new times (a cancelled row is no obstacle), falling due only after
    # the notice of the new time: nobody gets "Reminder" before "New time".
    plan_sessions(targets, not_before=now + NOTICE_FIRST)
    return targets


NOTICE_FIRST = timedelta(minutes=1)


def _notify_of_new_time(session: GroupSession, was: datetime) -> None:
    """Tell every active member the new time and the one they last heard of: the time before
    this move or, if an earlier notice about this session has not gone yet, the time that
    notice would have replaced (it is cancelled; this one says it all)."""
    unsent = Notification.objects.filter(
        kind=TIME_CHANGED, subject_id=session.pk, state=Notification.State.PENDING
    )
    heard = dict(unsent.values_list("recipient_id", "previous_occurrence"))
    unsent.update(state=Notification.State.CANCELLED)
    for person in _active_members(session):
        last_heard = heard.get(person.pk) or was
        if last_heard == session.starts_at:
            continue  # moved back to the time they know: nothing to tell
        outbox.notify_person(
            kind=TIME_CHANGED,
            person=person,
            subject_id=session.pk,
            occurrence=session.starts_at,
            expires_at=session.starts_at,
            previous_occurrence=last_heard,
        )


def _active_members(session: GroupSession) -> list[User]:
    return [
        enrollment.participant
        for enrollment in Enrollment.objects.filter(
            group=session.group_id, status=Enrollment.Status.ACTIVE, participant__isnull=False
        ).select_related("participant")
    ]


def _notify_members(session: GroupSession, kind: str) -> None:
    """An immediate notice to every active member; the row refers to the session's start."""
    for person in _active_members(session):
        outbox.notify_person(
            kind=kind,
            person=person,
            subject_id=session.pk,
            occurrence=session.starts_at,
            expires_at=session.starts_at,
        )


@transaction.atomic
def cancel_session(*, session: GroupSession, reason: str, members_message: str = "") -> None:
    """Cancel it, with why for the record. Members are told it is cancelled, with the
    facilitator's message for them if there is one; never the reason."""
    if not reason.strip():
        raise ValidationError(_("Please say why the session is cancelled, for the record."))
    if session.status != GroupSession.Status.SCHEDULED:
        raise ValidationError(_("Only a scheduled session can be cancelled."))
    session.status = GroupSession.Status.CANCELLED
    session.cancel_reason, session.members_message = reason.strip(), members_message.strip()
    session.sequence += 1
    session.save(
        update_fields=["status", "cancel_reason", "members_message", "sequence", "updated_at"]
    )
    outbox.cancel_pending(
        subject_id=session.pk,
        kind__in=[SESSION_REMINDER, TIME_CHANGED],
    )
    if session.starts_at > timezone.now():
        _notify_members(session, CANCELLED)


@transaction.atomic
def set_group_status(*, group: TherapyGroup, status: str) -> int:
    """Activate, finish or archive a group. A group that stops meeting cancels its coming
    sessions (their reminders with them, members told); returns how many were cancelled."""
    if status not in TherapyGroup.Status.values:
        raise ValidationError(_("Choose active, finished or archived."))
    group.status = status
    group.save(update_fields=["status"])
    if status == TherapyGroup.Status.ACTIVE:
        return 0
    coming = group.sessions.filter(
        status=GroupSession.Status.SCHEDULED, starts_at__gt=timezone.now()
    ).select_related("group")
    reason = (
        "The group has finished."
        if status == TherapyGroup.Status.FINISHED
        else ("The group has closed.")
    )
    for session in coming:
        cancel_session(session=session, reason=reason)
    return len(coming)


# Cancelling takes a reason (cancel_session); the other states are set directly.
SETTABLE_STATUSES = {
    GroupSession.Status.SCHEDULED,
    GroupSession.Status.HELD,
    GroupSession.Status.NOT_HELD,
}


def set_session_status(*, session: GroupSession, status: str) -> None:
    if status not in SETTABLE_STATUSES:
        raise ValidationError(_("Choose scheduled, took place or did not take place."))
    if session.is_cancelled:
        raise ValidationError(_("A cancelled session stays cancelled."))
    if status == GroupSession.Status.CANCELLED:
        raise ValidationError(_("Use cancel, with a reason, to cancel a session."))
    if status != GroupSession.Status.SCHEDULED and not has_started(session):
        raise ValidationError(_("A session takes place, or not, once its start time has come."))
    session.status = status
    session.save(update_fields=["status", "updated_at"])


# Attendance -----------------------------------------------------------------------------


def has_started(session: GroupSession) -> bool:
    """Whether the session's start time has come, by the database's clock."""
    return session.starts_at <= db_now()


def mark_started_sessions_held() -> int:
    """Sessions whose attendance was taken in the hours before they started took place once
    they start (beat, every minute). An apology ("excused") alone says nothing about that.
    Only the last day's: a register is taken on the session's day, and an older session a
    facilitator set back to scheduled stays as they set it."""
    marked = Attendance.objects.exclude(status=Attendance.Status.EXCUSED).values("session_id")
    return GroupSession.objects.filter(
        status=GroupSession.Status.SCHEDULED,
        starts_at__lte=DatabaseNow(),
        starts_at__gt=DatabaseNow() - timedelta(days=1),
        pk__in=marked,
    ).update(status=GroupSession.Status.HELD, updated_at=DatabaseNow())


def attendance_open(session: GroupSession, status: str | None = None) -> bool:
    """Whether attendance can be recorded now: from the start of the session's day where the
    group meets, and "excused" any time before (apologies come by phone days ahead). The one
    rule the page and mark_attendance share."""
    if session.is_cancelled:
        return False
    if status == Attendance.Status.EXCUSED:
        return True
    return timezone.localdate(timezone.now(), session.group_zone) >= session.local_date


@transaction.atomic
def mark_attendance(
    *,
    session: GroupSession,
    participant: User,
    status: str,
    marked_by: User,
    comment: str = "",
    reason: str = "",
) -> Attendance:
    """Record who came. Once the notes are signed, a change needs a reason and is added to the
    group note as a signed addendum: what was signed stays true to what was recorded."""
    _refuse_unless_open(session, status)
    if status not in Attendance.Status.values:
        raise ValidationError(_("Unknown attendance status."))
    if not roster_for(session).filter(participant=participant).exists():
        raise ValidationError(_("This person was not in the group on the session's date."))
    # Locked so that signing waits for this change, or this change sees the signature.
    note = GroupNote.objects.select_for_update().filter(session=session).first()
    before = Attendance.objects.filter(session=session, participant=participant).first()
    signed = note is not None and note.is_signed
    if signed and before is not None and before.status == status:
        return before
    if signed and not reason.strip():
        raise ValidationError(
            _(
                "The notes for this session are signed. Say why attendance changes: "
                "it is added to the group note as an addendum."
            )
        )
    addendum = None
    if signed:  # first the addendum, which the database asks the change to carry
        was = before.get_status_display() if before else "not recorded"
        now_is = Attendance.Status(status).label
        addendum = Addendum.objects.create(
            group_note=note,
            signed_by=marked_by,
            text=f"Attendance of {participant.get_full_name() or participant.short_name} changed "
            f"from {was} to {now_is}. Reason: {reason.strip()}",
        )
    attendance, __ = Attendance.objects.update_or_create(
        session=session,
        participant=participant,
        defaults={
            "status": status,
            "comment": comment.strip()[:200],
            "marked_by": marked_by,
            "marked_at": timezone.now(),
            "addendum": addendum,
        },
    )
    _took_place_if_started(session)
    return attendance


def _refuse_unless_open(session: GroupSession, status: str) -> None:
    if not attendance_open(session, status):
        raise ValidationError(
            _("Attendance cannot be taken for a cancelled session.")
            if session.is_cancelled
            else _(
                "Attendance can be recorded from the start of the session's day. "
                "Before then, you can mark someone as excused."
            )
        )


def _took_place_if_started(session: GroupSession) -> None:
    # Marks made before the start wait for it (mark_started_sessions_held): taking the
    # register early does not make a session "took place" before it has begun.
    if session.status == GroupSession.Status.SCHEDULED and has_started(session):
        session.status = GroupSession.Status.HELD
        session.save(update_fields=["status", "updated_at"])


@transaction.atomic
def mark_everyone_present(*, session: GroupSession, marked_by: User) -> int:
    """Everyone not yet marked is present; marks already made stay."""
    # Locked as mark_attendance locks it: signing waits for these marks, or they see it.
    note = GroupNote.objects.select_for_update().filter(session=session).first()
    if note is not None and note.is_signed:
        raise ValidationError(
            _(
                "The notes for this session are signed. Change attendance one person at a time, "
                "with a reason."
            )
        )
    _refuse_unless_open(session, Attendance.Status.PRESENT)
    marked = set(session.attendance.values_list("participant_id", flat=True))
    # The notes are unsigned (above), so no mark carries an addendum: one insert for all.
    Attendance.objects.bulk_create(
        [
            Attendance(
                session=session,
                participant_id=enrollment.participant_id,
                status=Attendance.Status.PRESENT,
                marked_by=marked_by,
            )
            for enrollment in roster_for(session)
            if enrollment.participant_id not in marked
        ],
        ignore_conflicts=True,  # a mark made meanwhile, in another tab, stays
    )
    _took_place_if_started(session)
    return session.attendance.count() - len(marked)


@transaction.atomic
def notify_absence(*, session: GroupSession, participant: User, reason: str = "") -> Attendance:
    """ "I can't make it": the facilitator sees the person as excused, and can still change it."""
    if session.is_cancelled or session.starts_at <= timezone.now():
        raise ValidationError(_("You can only let the group know before a session starts."))
    attendance, created = Attendance.objects.get_or_create(
        session=session,
        participant=participant,
        defaults={
            "status": Attendance.Status.EXCUSED,
            "comment": reason.strip()[:200],
            "marked_by": participant,
        },
    )
    if not created and attendance.marked_by_id == participant.pk:
        attendance.comment = reason.strip()[:200]
        attendance.save(update_fields=["comment"])
    return attendance


def set_take_home_done(*, session: GroupSession, participant: User, done: bool) -> None:
    """A member says they did (or, correcting themselves, did not do) a session's take-home."""
    if not session.take_home:
        raise ValidationError(_("This session has no take-home assignment."))
    if not session.group.enrollments.filter(
        participant=participant, status=Enrollment.Status.ACTIVE
    ).exists():
        raise ValidationError(_("Take-home assignments are for members of the group."))
    if done:
        TakeHomeDone.objects.get_or_create(session=session, participant=participant)
    else:
        TakeHomeDone.objects.filter(session=session, participant=participant).delete()


def withdraw_absence_notice(*, session: GroupSession, participant: User) -> None:
    """Plans changed: they can come after all (only their own notice is removed, and only
    before the session: afterwards the facilitator's record stands)."""
    if session.is_cancelled or session.starts_at <= timezone.now():
        raise ValidationError(_("This session has started: your facilitator records who came."))
    Attendance.objects.filter(
        session=session,
        participant=participant,
        marked_by=participant,
        status=Attendance.Status.EXCUSED,
    ).delete()


# Notes ----------------------------------------------------------------------------------


def _refuse_if_signed(note) -> None:
    if note.is_signed:
        raise ValidationError(_("This note is signed and can no longer change. Add an addendum."))


@transaction.atomic
def save_group_note(*, session: GroupSession, author: User, format: str, **texts: str) -> GroupNote:
    # The session's row first: two first saves at once (an autosave and Save) take turns
    # instead of both inserting the note (save_individual_note locks its attendance row).
    GroupSession.objects.select_for_update().filter(pk=session.pk).first()
    note = GroupNote.objects.select_for_update().filter(session=session).first()
    if note is None:
        note = GroupNote(session=session, author=author)
    _refuse_if_signed(note)
    note.format = format
    for field in {f for fields in NOTE_FIELDS.values() for f in fields}:
        setattr(note, field, texts.get(field, "").strip() if field in NOTE_FIELDS[format] else "")
    note.save()
    return note


@transaction.atomic
def save_individual_note(
    *,
    session: GroupSession,
    participant: User,
    author: User,
    progress: str,
    participation: str,
    risk_flag: bool,
) -> IndividualNote:
    # Locked first: an autosave and a Save pressed at once (leaving the field fires the
    # autosave) take turns, so the second updates the draft the first made, never a second one.
    attendance = session.attendance.select_for_update().filter(participant=participant).first()
    if attendance is None or not attendance.attended:
        raise ValidationError(_("Individual notes are for people who attended this session."))
    note = (
        IndividualNote.objects.select_for_update()
        .filter(session=session, participant=participant)
        .first()
    )
    if note is None:
        if notes_signed(session):
            raise ValidationError(
                _(
                    "This session's notes are already signed. Add what you want to say about "
                    "this person as an addendum to the group note."
                )
            )
        note = IndividualNote(session=session, participant=participant, author=author)
    _refuse_if_signed(note)
    note.progress, note.participation, note.risk_flag = (
        progress.strip(),
        participation.strip(),
        risk_flag,
    )
    note.save()
    return note


@transaction.atomic
def sign_notes(*, session: GroupSession, signer: User, reviewed: str) -> GroupNote:
    """Sign the group note and every individual note of the session together, exactly as
    the signer reviewed them (`reviewed`: the fingerprint of sessions.notes.signing_review)."""
    note = GroupNote.objects.select_for_update().filter(session=session).first()
    if note is None or not any(text for _, text in note.sections()):
        raise ValidationError(_("Write the group note before signing it."))
    _refuse_if_signed(note)
    if not has_started(session):
        raise ValidationError(_("Notes can be signed once the session has started."))
    if reviewed != signing_review(session).fingerprint:
        raise ValidationError(
            _("Something changed since you reviewed the notes. Please review them again.")
        )
    now = timezone.now()
    note.signed_by, note.signed_at = signer, now
    note.save(update_fields=["signed_by", "signed_at", "updated_at"])
    drafts = dict(session.individual_notes.unsigned().values_list("pk", "participant_id"))
    IndividualNote.objects.filter(pk__in=drafts).update(signed_by=signer, signed_at=now)
    # update() skips the save signals, so the trail is written here.
    audit.record_many(
        audit.Action.SIGN, IndividualNote, drafts, group_id=session.group_id, participants=drafts
    )
    return note


@transaction.atomic
def add_addendum(*, note: GroupNote | IndividualNote, text: str, signer: User) -> Addendum:
    if not note.is_signed:
        raise ValidationError(_("Edit the draft directly; addenda are for signed notes."))
    if not text.strip():
        raise ValidationError(_("Write the correction or addition."))
    target = {"group_note": note} if isinstance(note, GroupNote) else {"individual_note": note}
    return Addendum.objects.create(text=text.strip(), signed_by=signer, **target)
