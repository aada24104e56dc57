"""Reads about a session's notes: carrying text across formats, and what signing will lock."""

import hashlib
from dataclasses import dataclass

from members.models import User
from sessions.models import (
    NOTE_FIELDS,
    Attendance,
    GroupNote,
    GroupSession,
    IndividualNote,
    NoteFormat,
)
from sessions.queries import roster_for


def notes_signed(session: GroupSession) -> bool:
    """Whether the session's notes are signed (its group note, and so every note with it)."""
    return GroupNote.objects.filter(session=session).signed().exists()


def carry_over(texts: dict[str, str], *, old: str, new: str) -> dict[str, str]:
    """The note's text in the new format, every word kept.

    A section both formats have keeps its text. The text of the others moves into the new
    format's first section, under its old heading (a free-text note moves as it is), so a
    clinician who switches DAP to SOAP halfway through loses nothing and can tidy it up.
    """
    moved = [
        text if field == "free_text" else f"{GroupNote.section_label(field)}:\n{text}"
        for field in NOTE_FIELDS[old]
        if field not in NOTE_FIELDS[new] and (text := texts.get(field, "").strip())
    ]
    result = {field: texts.get(field, "").strip() for field in NOTE_FIELDS[new]}
    if moved:
        first = NOTE_FIELDS[new][0]
        result[first] = "\n\n".join(filter(None, [result[first], *moved]))
    return result


def known_format(asked: str | None, otherwise: str = NoteFormat.DAP) -> str:
    return asked if asked in NOTE_FIELDS else otherwise


def switched(posted: dict[str, str], *, to: str | None) -> tuple[str, dict[str, str]]:
    """A posted group note (its format and sections) in the format `to`, when that is one, or
    in its own: the format, and each section's text with nothing typed lost."""
    texts = dict(posted)
    old = texts.pop("format")
    new = known_format(to, old)
    return new, carry_over(texts, old=old, new=new)


def as_one_text(posted: dict[str, str]) -> str:
    """Every section of a posted group note in one text, each under its heading."""
    return switched(posted, to=NoteFormat.FREE)[1]["free_text"]


@dataclass(frozen=True)
class SigningReview:
    """Everything signing a session's notes locks: shown once for review, then signed only if
    nothing changed since (the fingerprint)."""

    note: GroupNote | None
    individual_notes: list[IndividualNote]
    attendance: list[tuple[User, Attendance | None]]
    fingerprint: str

    @property
    def not_marked(self) -> list[User]:
        return [person for person, mark in self.attendance if mark is None]

    @property
    def attended_without_note(self) -> list[User]:
        noted = {note.participant_id for note in self.individual_notes}
        return [
            person
            for person, mark in self.attendance
            if mark is not None and mark.attended and person.pk not in noted
        ]


def signing_review(session: GroupSession) -> SigningReview:
    note = GroupNote.objects.filter(session=session).first()
    individual = list(
        session.individual_notes.select_related("participant").order_by(
            "participant__first_name", "participant__last_name", "participant_id"
        )
    )
    marks = {mark.participant_id: mark for mark in session.attendance.all()}
    roster = [enrollment.participant for enrollment in roster_for(session)]
    attendance = [(person, marks.get(person.pk)) for person in roster]
    seen = [
        ("note", note and (note.pk, note.format, note.updated_at.isoformat())),
        ("individual", [(n.pk, n.updated_at.isoformat()) for n in individual]),
        (
            "attendance",
            sorted((m.participant_id, m.status, m.marked_at.isoformat()) for m in marks.values()),
        ),
    ]
    fingerprint = hashlib.sha256(repr(seen).encode()).hexdigest()
    return SigningReview(note, individual, attendance, fingerprint)
