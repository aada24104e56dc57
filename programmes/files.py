"""What a handout file is, read from its first bytes and, for office documents, the list of
parts inside: never from its name or the type the browser claimed. Anything else is refused,
so a renamed program or web page never reaches a member's phone."""

import io
import zipfile
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MAX_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Kind:
    content_type: str
    extension: str


PDF = Kind("application/pdf", "pdf")
PNG = Kind("image/png", "png")
JPEG = Kind("image/jpeg", "jpg")
WEBP = Kind("image/webp", "webp")
# Office Open XML: a zip whose [Content_Types].xml names the main part.
OFFICE = {
    "word/document.xml": Kind(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"
    ),
    "xl/workbook.xml": Kind(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"
    ),
    "ppt/presentation.xml": Kind(
        "application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx"
    ),
}
# OpenDocument: a zip whose first member, "mimetype", says what it is.
OPEN_DOCUMENT = {
    b"application/vnd.oasis.opendocument.text": Kind(
        "application/vnd.oasis.opendocument.text", "odt"
    ),
    b"application/vnd.oasis.opendocument.spreadsheet": Kind(
        "application/vnd.oasis.opendocument.spreadsheet", "ods"
    ),
    b"application/vnd.oasis.opendocument.presentation": Kind(
        "application/vnd.oasis.opendocument.presentation", "odp"
    ),
}
ACCEPTED = gettext_lazy("PDF, PNG, JPEG, WebP, Word, Excel, PowerPoint or OpenDocument")


def kind_of(upload) -> Kind:
    """The file's kind, or a ValidationError saying what is accepted. Reads the whole file
    only when it is a zip (an office document), and never more than MAX_BYTES."""
    if upload.size > MAX_BYTES:
        raise ValidationError(
            _("That file is %(size)s MB. A handout can be up to %(most)s MB: make it smaller.")
            % {"size": f"{upload.size / 1024 / 1024:.1f}", "most": MAX_BYTES // 1024 // 1024}
        )
    if upload.size == 0:
        raise ValidationError(_("That file is empty."))
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    kind = _by_signature(head) or (_office(upload) if head.startswith(b"PK\x03\x04") else None)
    upload.seek(0)
    if kind is None:
        raise ValidationError(
            _("That file is not one we can share safely. Use a %(accepted)s file.")
            % {"accepted": ACCEPTED}
        )
    return kind


def _by_signature(head: bytes) -> Kind | None:
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    return None


def _office(upload) -> Kind | None:
    try:
        with zipfile.ZipFile(io.BytesIO(upload.read(MAX_BYTES + 1))) as archive:
            names = archive.namelist()
            if names and names[0] == "mimetype":
                return OPEN_DOCUMENT.get(archive.read("mimetype").strip())
            if "[Content_Types].xml" in names:
                return next((kind for part, kind in OFFICE.items() if part in names), None)
    except (zipfile.BadZipFile, KeyError, ValueError):
        return None
    return None
