"""QR codes as inline SVG, drawn on the server (segno): no image files, no JavaScript."""

import io

import segno
from django.utils.safestring import SafeString, mark_safe


def qr_svg(url: str, *, title: str) -> SafeString:
    """An SVG QR code of `url`, scaled by CSS, with a title for screen readers."""
    out = io.BytesIO()
    segno.make(url, error="m").save(
        out, kind="svg", xmldecl=False, svgns=True, svgclass="qr", title=title, border=2, scale=1
    )
    # segno escapes the title; the rest is its own markup.
    return mark_safe(out.getvalue().decode())  # noqa: S308
