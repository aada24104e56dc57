"""Worksheets: structured take-home practice. A kind is data: programmes/worksheets.json
gives each its title, a line of help and the fields of a row, in each language; a new kind is
an entry there, checked when the app starts (no code). A session sets one; each member fills
in their own over the week (saved as they type), and the group's facilitators read it before
the next session. Never in an email or a text."""

import json
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from members.models import User
from programmes.models import SessionWorksheet, Worksheet
from sessions.models import GroupSession

MAX_TEXT = 500
TYPES = {"text", "scale"}


@dataclass(frozen=True)
class Kind:
    slug: str
    titles: dict
    intros: dict
    row_labels: dict
    rows: int
    fields: list  # [{"name", "type": "text" | "scale", "min", "max", "labels": {...}}]

    def title(self, language: str) -> str:
        return text_in(self.titles, language)


def text_in(mapping: dict, language: str) -> str:
    """A kind's words in `language`, else English, else any."""
    return (
        mapping.get(language)
        or mapping.get(language[:2])
        or mapping.get("en-gb")
        or next(iter(mapping.values()), "")
    )


def check_kind(*, fields, rows) -> None:
    """A kind's definition is sound, or a ValidationError says what is wrong."""
    if not isinstance(rows, int) or not 1 <= rows <= 14:
        raise ValidationError(_("A worksheet has 1 to 14 rows."))
    if not isinstance(fields, list) or not fields:
        raise ValidationError(_("A worksheet needs at least one field."))
    names = set()
    for field in fields:
        if (
            not isinstance(field, dict)
            or field.get("type") not in TYPES
            or not isinstance(field.get("name"), str)
            or field["name"] in names
            or not isinstance(field.get("labels"), dict)
        ):
            raise ValidationError(_("Each field needs a new name, a type and its labels."))
        names.add(field["name"])


def load_kinds(path: Path) -> dict[str, Kind]:
    kinds = {}
    for entry in json.loads(path.read_text()):
        try:
            check_kind(fields=entry.get("fields"), rows=entry.get("rows"))
            kind = Kind(**entry)
        except (ValidationError, TypeError) as error:
            raise ImproperlyConfigured(
                f"{path}: worksheet {entry.get('slug')!r}: {error}"
            ) from None
        kinds[kind.slug] = kind
    return kinds


KINDS = load_kinds(Path(__file__).with_name("worksheets.json"))


def set_worksheet(*, session: GroupSession, kind: Kind | None) -> None:
    """The session sets `kind` as its take-home practice (None: no worksheet)."""
    if kind is None:
        SessionWorksheet.objects.filter(session=session).delete()
        return
    SessionWorksheet.objects.update_or_create(session=session, defaults={"kind": kind.slug})
    if not session.take_home:  # members are told what to do, in the session's plan too
        session.take_home = kind.title("en-gb")
        session.save(update_fields=["take_home", "updated_at"])


def read_rows(kind: Kind, posted) -> list[dict]:
    """The rows from a posted form (fields named r<row>-<field>), empty ones left out; a
    ValidationError for a value out of range or too long."""
    rows = []
    for index in range(kind.rows):
        row = {}
        for field in kind.fields:
            raw = (posted.get(f"r{index}-{field['name']}") or "").strip()
            if not raw:
                continue
            if field["type"] == "scale":
                low, high = field.get("min", 0), field.get("max", 10)
                if not raw.isdigit() or not low <= int(raw) <= high:
                    raise ValidationError(
                        _("Choose a number from %(low)s to %(high)s.") % {"low": low, "high": high}
                    )
                row[field["name"]] = int(raw)
            else:
                if len(raw) > MAX_TEXT:
                    raise ValidationError(
                        _("Keep each answer to %(most)s characters.") % {"most": MAX_TEXT}
                    )
                row[field["name"]] = raw
        rows.append(row)
    while rows and not rows[-1]:
        rows.pop()
    return rows


@transaction.atomic
def save_worksheet(
    *, session: GroupSession, participant: User, kind: Kind, rows: list[dict]
) -> Worksheet:
    worksheet, _created = Worksheet.objects.select_for_update().get_or_create(
        session=session, participant=participant, defaults={"kind": kind.slug}
    )
    worksheet.entries = json.dumps(rows, ensure_ascii=False)
    worksheet.filled = sum(1 for row in rows if row)
    worksheet.save()
    return worksheet


def set_by(session: GroupSession) -> Kind | None:
    """The worksheet kind a session sets, if any (a kind no longer in the file: none)."""
    slug = SessionWorksheet.objects.filter(session=session).values_list("kind", flat=True).first()
    return KINDS.get(slug)


def shown_rows(worksheet: Worksheet | None, kind: Kind) -> list[dict]:
    """The rows to show in the form: what was saved, padded to the kind's number of rows."""
    rows = worksheet.rows if worksheet else []
    return rows + [{}] * (kind.rows - len(rows))


def read_for_session(session: GroupSession, language: str) -> dict | None:
    """The session's worksheet and each member's rows, labelled, for its facilitators (None
    when it sets no worksheet)."""
    kind = set_by(session)
    if kind is None:
        return None
    labels = [(field["name"], text_in(field["labels"], language)) for field in kind.fields]
    sheets = Worksheet.objects.filter(session=session, filled__gt=0).select_related("participant")
    return {
        "title": kind.title(language),
        "labels": [label for _name, label in labels],
        "sheets": [
            {
                "participant": sheet.participant,
                "updated_at": sheet.updated_at,
                "rows": [[row.get(name, "") for name, _label in labels] for row in sheet.rows],
            }
            for sheet in sorted(sheets, key=lambda s: s.participant.first_name)
        ],
    }
