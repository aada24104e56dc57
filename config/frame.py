"""What the frame of every page links to (templates/base.html), as plain values.

The frame's links and files are the same on every page: each address is reversed
(core/links.py), and each static file's (hashed) address looked up, once per process instead
of once per link on every request (again after a test changes the settings they come from).
The menu for the viewer's role is a list the template only loops over; its labels are
translated on each request, in the viewer's language.
"""

from functools import cache

from django.conf import settings
from django.core.signals import setting_changed
from django.templatetags.static import static
from django.utils.translation import get_language, gettext, gettext_noop

from core.links import link
from members.models import Role

MENUS = {
    Role.PARTICIPANT: (("home", gettext_noop("My group")),),
    Role.FACILITATOR: (
        ("home", gettext_noop("Dashboard")),
        ("group_list", gettext_noop("Groups")),
        ("referral_list", gettext_noop("Referrals")),
        ("programme_list", gettext_noop("Programmes")),
    ),
    Role.ADMIN: (
        ("home", gettext_noop("Overview")),
        ("admin_therapists", gettext_noop("Therapists")),
        ("admin_groups", gettext_noop("Groups")),
    ),
}
LINKS = (
    "home",
    "account_overview",
    "account_logout",
    "account_login",
    "crisis_resources",
    "choose_language",
    "keep_alive",
)

ASSETS = {
    "icon": "favicon.svg",
    "pico": "vendor/pico-2.1.1.classless.min.css",
    "css": "css/app.css",
    "htmx": "vendor/htmx-2.0.11.min.js",
    "js": "js/app.js",
}


@cache
def _assets() -> dict[str, str]:
    return {name: static(path) for name, path in ASSETS.items()}


def _forget(**kwargs) -> None:
    _assets.cache_clear()


setting_changed.connect(_forget)


def frame(request) -> dict:
    addresses = {name: link(name) for name in LINKS}
    user = getattr(request, "user", None)
    role = user.role if user is not None and user.is_authenticated else None
    language = get_language()
    return {
        "links": addresses,
        "assets": _assets(),
        "menu": [(link(name), gettext(label)) for name, label in MENUS.get(role, ())],
        # Each named in itself (settings.LANGUAGES), never translated: "English", not "Inglés".
        "other_languages": [(code, name) for code, name in settings.LANGUAGES if code != language],
    }
