"""Small inline SVG charts, drawn on the server: no chart library, no JavaScript."""

from django.utils.html import format_html, format_html_join

WIDTH, HEIGHT, PAD = 320, 120, 16


def progress_chart(check_ins, *, label: str) -> str:
    """A line of check-in progress (0-10) over time, oldest first, with a text alternative."""
    points = [c.progress for c in check_ins]
    if not points:
        return ""
    step = (WIDTH - 2 * PAD) / max(len(points) - 1, 1)
    coords = [
        (PAD + i * step, HEIGHT - PAD - p * (HEIGHT - 2 * PAD) / 10) for i, p in enumerate(points)
    ]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    dots = format_html_join(
        "", '<circle cx="{}" cy="{}" r="4"></circle>', ((f"{x:.1f}", f"{y:.1f}") for x, y in coords)
    )
    summary = f"{label}: {len(points)} check-ins, from {points[0]} to {points[-1]} out of 10."
    return format_html(
        '<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-labelledby="{id}-t">'
        '<title id="{id}-t">{summary}</title>'
        '<line x1="{p}" y1="{bottom}" x2="{right}" y2="{bottom}" class="axis"></line>'
        '<line x1="{p}" y1="{p}" x2="{right}" y2="{p}" class="axis faint"></line>'
        '<polyline points="{path}" class="line"></polyline>{dots}</svg>',
        w=WIDTH,
        h=HEIGHT,
        id=f"chart-{id(check_ins)}",
        summary=summary,
        p=PAD,
        bottom=HEIGHT - PAD,
        right=WIDTH - PAD,
        path=path,
        dots=dots,
    )


def bar_chart(rows, *, label: str, maximum: float = 1.0) -> str:
    """Horizontal bars for (name, value) rows, value between 0 and `maximum`."""
    rows = [(name, value) for name, value in rows if value is not None]
    if not rows:
        return ""
    bar, gap, name_width = 18, 8, 140
    height = len(rows) * (bar + gap)
    bars = format_html_join(
        "",
        '<text x="0" y="{ty}" class="bar-label">{name}</text>'
        '<rect x="{x}" y="{y}" width="{w}" height="{bar}" class="bar"></rect>'
        '<text x="{tx}" y="{ty}" class="bar-value">{value}</text>',
        (
            {
                "ty": i * (bar + gap) + bar - 4,
                "name": name[:22],
                "x": name_width,
                "y": i * (bar + gap),
                "w": f"{(WIDTH - name_width - 40) * value / maximum:.1f}",
                "bar": bar,
                "tx": f"{name_width + (WIDTH - name_width - 40) * value / maximum + 4:.1f}",
                "value": f"{value:.0%}",
            }
            for i, (name, value) in enumerate(rows)
        ),
    )
    return format_html(
        '<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-label="{label}">{bars}</svg>',
        w=WIDTH,
        h=height,
        label=label,
        bars=bars,
    )


def score_chart(points, *, maximum: int, bands, label: str, marked=()) -> str:
    """Questionnaire totals over time, oldest first, over shaded bands.

    points: (when, total) pairs; bands: (low, high, name) from lowest to highest, each shaded a
    shade darker; marked: indexes of points to ring (e.g. an answer that opened a follow-up).
    """
    if not points:
        return ""
    usable = HEIGHT - 2 * PAD
    step = (WIDTH - 2 * PAD) / max(len(points) - 1, 1)

    def y(total: float) -> float:
        return HEIGHT - PAD - total * usable / maximum

    shading = format_html_join(
        "",
        '<rect x="{x}" y="{top}" width="{w}" height="{h}" class="band band-{n}">'
        "<title>{name}: {low} to {high}</title></rect>",
        (
            {
                "x": PAD,
                "top": f"{y(high + 0.5 if high < maximum else maximum):.1f}",
                "w": WIDTH - 2 * PAD,
                "h": f"{y(max(low - 0.5, 0)) - y(high + 0.5 if high < maximum else maximum):.1f}",
                "n": n,
                "name": name,
                "low": low,
                "high": high,
            }
            for n, (low, high, name) in enumerate(bands)
        ),
    )
    coords = [(PAD + i * step, y(total)) for i, (_, total) in enumerate(points)]
    path = " ".join(f"{x:.1f},{yy:.1f}" for x, yy in coords)
    dots = format_html_join(
        "",
        '<circle cx="{}" cy="{}" r="{}" class="{}"></circle>',
        (
            (f"{x:.1f}", f"{yy:.1f}", 6 if i in marked else 4, "marked" if i in marked else "")
            for i, (x, yy) in enumerate(coords)
        ),
    )
    totals = ", ".join(str(total) for _, total in points)
    summary = f"{label}: {len(points)} scores, oldest first: {totals} (out of {maximum})."
    return format_html(
        '<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-labelledby="{id}-t">'
        '<title id="{id}-t">{summary}</title>{shading}'
        '<polyline points="{path}" class="line"></polyline>{dots}</svg>',
        w=WIDTH,
        h=HEIGHT,
        id=f"chart-{id(points)}",
        summary=summary,
        shading=shading,
        path=path,
        dots=dots,
    )
