"""QR codes as inline SVG, drawn on the server (segno): no image files, no JavaScript."""

import io

import segno
from django.utils.safestring import SafeString, mark_safe


def qr_svg(url: str, *, title: str) -> SafeString:
    """An SVG QR code of `url`, with a title for screen readers. It has a viewBox and no size
    of its own, so CSS scales it to any size; the quiet zone (4 modules, the standard's) and
    the light modules are drawn, so it reads on a dark page or a dim projector too."""
    out = io.BytesIO()
    segno.make(url, error="m").save(
        out,
        kind="svg",
        xmldecl=False,
        svgns=True,
        svgclass="qr",
        title=title,
        border=4,
        scale=1,
        omitsize=True,
        dark="#000",
        light="#fff",
    )
    # segno escapes the title; the rest is its own markup.
    return mark_safe(out.getvalue().decode())  # noqa: S308
