"""The participant's home as plain values: each list's lines and links made here, so the
template only prints them (the page participants open most after their goals). Dates are
turned to the viewer's zone first, as the template engine does before a date filter."""

from django.template.defaultfilters import date as date_filter
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from core.links import link
from members.templatetags.together import DATE_SHAPES, when
from sessions.member_home import MemberHome
from therapy_groups.models import Goal


def home_lines(home: MemberHome) -> dict[str, str]:
    """Adds each row's text and links to `home`; returns the page's own links."""
    for place in home.places:
        place.answer_url = link("place_answer", place.pk)
    if home.next_session:
        s = home.next_session
        s.when = when(s.starts_at)
        s.cant_url, s.can_come_url = link("cant_make_it", s.id), link("can_come_after_all", s.id)
        s.ics_url = link("session_ics", s.id)
    for s in home.upcoming:
        s.line = _upcoming_line(s)
    day = str(DATE_SHAPES["day"])
    for s in home.recent:
        s.heading = f"{s.member_name}, {date_filter(localtime(s.starts_at), day)}"
        if s.topic:
            s.heading += f": {s.topic}"
        s.worksheet_url, s.done_url = link("worksheet", s.id), link("take_home_done", s.pk)
    for g in home.goals:
        g.url = link("goal_detail", g.id)
        g.line = (
            _("suggested by your facilitator")
            if g.status == Goal.Status.SUGGESTED
            else str(g.status_label).lower()
        )
        if g.latest is not None:
            g.line += " · " + score_text(g.latest)
        if g.comment:
            g.comment_line = _("Your facilitator, %(day)s: “%(comment)s”") % {
                "day": date_filter(localtime(g.comment_at), str(DATE_SHAPES["day_month"])),
                "comment": g.comment,
            }
    for g in home.shared_goals:
        g.line = f"{g.short_name}: {g.what}"
        if g.latest is not None:
            g.line += f" ({score_text(g.latest)})"
    return {
        name: link(name) for name in ("calendar_settings", "goal_new", "my_scores", "my_handouts")
    }


def score_text(score: int) -> str:
    """A check-in's progress as the member reads it: "7 out of 10"."""
    return _("%(score)s out of 10") % {"score": score}


def _upcoming_line(s) -> str:
    # Our own translations are trusted text, as {% translate %} prints them (not escaped).
    if s.is_cancelled:
        return format_html(
            '<strong>{}</strong> {}, <span class="cancelled">{}</span>{}',
            mark_safe(_("Cancelled:")),  # noqa: S308
            s.member_name,
            when(s.starts_at),
            f" ({s.members_message})" if s.members_message else "",
        )
    return format_html(
        "<strong>{}</strong>, {}{} · {}",
        s.member_name,
        when(s.starts_at),
        f": {s.topic}" if s.topic else "",
        mark_safe(_("you can't make it"))  # noqa: S308
        if s.cant_make_it
        else format_html(
            '<a href="{}">{}</a>',
            link("cant_make_it", s.id),
            mark_safe(_("I can't make it")),  # noqa: S308
        ),
    )
