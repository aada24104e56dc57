"""Small inline SVG charts, drawn on the server: no chart library, no JavaScript."""

from django.utils.dateformat import format as format_date
from django.utils.html import format_html, format_html_join
from django.utils.timezone import localtime

WIDTH, HEIGHT, PAD = 320, 120, 16


LEFT, BOTTOM = 26, 30  # room for the axes' labels


def progress_chart(check_ins, *, label: str) -> str:
    """A line of check-in progress (0-10) over time, oldest first, with a text alternative.
    Axes: 0, 5 and 10 up the side; the first and last dates (the viewer's zone) along the
    bottom."""
    check_ins = list(check_ins)  # a queryset has no [-1]
    points = [c.progress for c in check_ins]
    if not points:
        return ""
    bottom, right = HEIGHT + BOTTOM - PAD, WIDTH - PAD
    step = (right - LEFT) / max(len(points) - 1, 1)
    coords = [(LEFT + i * step, bottom - p * (bottom - PAD) / 10) for i, p in enumerate(points)]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    dots = format_html_join(
        "", '<circle cx="{}" cy="{}" r="4"></circle>', ((f"{x:.1f}", f"{y:.1f}") for x, y in coords)
    )
    ticks = format_html_join(
        "",
        '<text x="{}" y="{}" class="tick" text-anchor="end">{}</text>',
        ((LEFT - 6, f"{bottom - v * (bottom - PAD) / 10 + 4:.1f}", v) for v in (0, 5, 10)),
    )
    first, last = (
        format_date(localtime(c.created_at), "j M") for c in (check_ins[0], check_ins[-1])
    )
    dates = format_html(
        '<text x="{}" y="{}" class="tick">{}</text>'
        '<text x="{}" y="{}" class="tick" text-anchor="end">{}</text>',
        LEFT,
        bottom + 18,
        first,
        right,
        bottom + 18,
        last if len(points) > 1 else "",
    )
    summary = (
        f"{label}: {len(points)} check-ins from {first} to {last}, "
        f"from {points[0]} to {points[-1]} out of 10."
    )
    return format_html(
        '<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-labelledby="{id}-t">'
        '<title id="{id}-t">{summary}</title>'
        '<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" class="axis"></line>'
        '<line x1="{left}" y1="{p}" x2="{left}" y2="{bottom}" class="axis"></line>'
        '<line x1="{left}" y1="{p}" x2="{right}" y2="{p}" class="axis faint"></line>'
        "{ticks}{dates}"
        '<polyline points="{path}" class="line"></polyline>{dots}</svg>',
        w=WIDTH,
        h=HEIGHT + BOTTOM,
        id=f"chart-{id(check_ins)}",
        summary=summary,
        p=PAD,
        left=LEFT,
        bottom=bottom,
        right=right,
        ticks=ticks,
        dates=dates,
        path=path,
        dots=dots,
    )


def bar_chart(rows, *, label: str, maximum: float = 1.0) -> str:
    """Horizontal bars for (name, value) rows, value between 0 and `maximum`: each name on its
    own line above its bar, whole (long group names are never cut off)."""
    rows = [(name, value) for name, value in rows if value is not None]
    if not rows:
        return ""
    bar, line, gap = 16, 16, 10
    row = line + bar + gap
    usable = WIDTH - 44  # room after the bar for its value
    bars = format_html_join(
        "",
        '<text x="0" y="{ly}" class="bar-label">{name}</text>'
        '<rect x="0" y="{y}" width="{w}" height="{bar}" class="bar"></rect>'
        '<text x="{tx}" y="{vy}" class="bar-value">{value}</text>',
        (
            {
                "ly": i * row + line - 4,
                "name": name,
                "y": i * row + line,
                "w": f"{usable * value / maximum:.1f}",
                "bar": bar,
                "tx": f"{usable * value / maximum + 4:.1f}",
                "vy": i * row + line + bar - 3,
                "value": f"{value:.0%}",
            }
            for i, (name, value) in enumerate(rows)
        ),
    )
    return format_html(
        '<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-label="{label}">{bars}</svg>',
        w=WIDTH,
        h=len(rows) * row,
        label=label,
        bars=bars,
    )


def score_chart(points, *, maximum: int, bands, label: str, marked=()) -> str:
    """Questionnaire totals over time, oldest first, over shaded bands.

    points: (day, total) pairs, day already in the viewer's zone; bands: (low, high, name)
    from lowest to highest, each shaded a shade darker, their lower edges labelled up the
    side; each point labelled with its date along the bottom; marked: indexes of points to ring
    (e.g. an answer that opened a follow-up). Drawn for the eye only: the page gives screen
    readers the same as a table (score_table)."""
    if not points:
        return ""
    top, bottom, right = PAD, HEIGHT - PAD, WIDTH - PAD
    usable = bottom - top
    step = (right - LEFT - 8) / max(len(points) - 1, 1)

    def y(total: float) -> float:
        return bottom - total * usable / maximum

    shading = format_html_join(
        "",
        '<rect x="{x}" y="{top}" width="{w}" height="{h}" class="band band-{n}"></rect>',
        (
            {
                "x": LEFT,
                "top": f"{y(high + 0.5 if high < maximum else maximum):.1f}",
                "w": right - LEFT,
                "h": f"{y(max(low - 0.5, 0)) - y(high + 0.5 if high < maximum else maximum):.1f}",
                "n": n,
            }
            for n, (low, high, _) in enumerate(bands)
        ),
    )
    edges = sorted({low for low, _, _ in bands} | {maximum})
    ticks = format_html_join(
        "",
        '<text x="{}" y="{}" class="tick" text-anchor="end">{}</text>',
        ((LEFT - 4, f"{y(v) + 3.5:.1f}", v) for v in edges),
    )
    coords = [(LEFT + 4 + i * step, y(total)) for i, (_, total) in enumerate(points)]
    # Dates slant so that a dozen weekly points still read side by side.
    dates = format_html_join(
        "",
        '<text x="{x}" y="{y}" class="tick" text-anchor="end" '
        'transform="rotate(-40 {x} {y})">{day}</text>',
        (
            {"x": f"{x + 3:.1f}", "y": bottom + 12, "day": format_date(day, "j M")}
            for (x, _), (day, _) in zip(coords, points, strict=True)
        ),
    )
    path = " ".join(f"{x:.1f},{yy:.1f}" for x, yy in coords)
    dots = format_html_join(
        "",
        '<circle cx="{}" cy="{}" r="{}" class="{}"></circle>',
        (
            (f"{x:.1f}", f"{yy:.1f}", 6 if i in marked else 4, "marked" if i in marked else "")
            for i, (x, yy) in enumerate(coords)
        ),
    )
    return format_html(
        '<svg class="chart" viewBox="0 0 {w} {h}" aria-hidden="true" focusable="false">'
        '{shading}<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" class="axis"></line>'
        '<line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" class="axis"></line>'
        '{ticks}{dates}<polyline points="{path}" class="line"></polyline>{dots}</svg>',
        w=WIDTH,
        h=HEIGHT + BOTTOM + 6,
        shading=shading,
        left=LEFT,
        top=top,
        bottom=bottom,
        right=right,
        ticks=ticks,
        dates=dates,
        path=path,
        dots=dots,
    )
