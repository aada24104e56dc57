"""The frame of every page (templates/base.html, config/frame.py): each role's menu, in the
viewer's language, with addresses reversed once per process but following the script prefix."""

import pytest
from django.test import Client
from django.urls import reverse, set_script_prefix

pytestmark = pytest.mark.django_db


def menu(html: str) -> list[str]:
    nav = html.split('<nav aria-label="')[1].split("</nav>")[0]
    return [part.split(">", 1)[1].split("<", 1)[0] for part in nav.split("<a ")[2:]]


def test_each_role_sees_its_own_menu_and_the_crisis_link(personas):
    expected = {
        "participant": ["My group", "Account", "Need help now?"],
        "facilitator": [
            "Dashboard",
            "Groups",
            "Referrals",
            "Programmes",
            "Account",
            "Need help now?",
        ],
        "admin": ["Overview", "Therapists", "Groups", "Account", "Need help now?"],
    }
    for role, labels in expected.items():
        html = personas[role].get(reverse("crisis_resources")).text
        assert menu(html) == labels, role
    assert menu(Client().get(reverse("crisis_resources")).text) == ["Sign in", "Need help now?"]


def test_the_menu_is_in_the_viewer_s_language_and_offers_the_other(personas, participant):
    participant.language = "es"
    participant.save(update_fields=["language"])
    html = personas["participant"].get(reverse("crisis_resources")).text
    assert menu(html) == ["Mi grupo", "Cuenta", "¿Necesitas ayuda ahora?"]
    picker = html.split('class="language-picker"')[1].split("</form>")[0]
    assert 'value="en-gb" lang="en-gb"' in picker and 'value="es"' not in picker


def test_the_frame_s_addresses_follow_the_script_prefix(personas):
    """Served under a path (a WSGI server's SCRIPT_NAME, which Django's handler sets as the
    prefix; the test client does not, so the test does)."""
    set_script_prefix("/clinic/")
    try:
        html = personas["participant"].get("/help/crisis/").text
    finally:
        set_script_prefix("/")
    assert 'href="/clinic/help/crisis/" class="crisis-link"' in html
    assert 'action="/clinic/accounts/logout/"' in html
    html = personas["participant"].get("/help/crisis/").text
    assert 'href="/help/crisis/" class="crisis-link"' in html


def test_a_link_is_what_reverse_gives_for_every_page_with_whole_number_arguments():
    """core.links.link fills a pattern reversed once: the same address as reverse()."""
    from django.urls import get_resolver

    from core.links import link

    checked = 0
    for name, entries in get_resolver().reverse_dict.lists():
        if not isinstance(name, str):
            continue
        for possibilities, _pattern, _defaults, converters in entries:
            for _text, params in possibilities:
                if all(type(converters.get(p)).__name__ == "IntConverter" for p in params):
                    ids = [41 + i * 1000 for i in range(len(params))]
                    assert link(name, *ids) == reverse(name, args=ids), name
                    checked += 1
    assert checked > 50
    with pytest.raises(TypeError):
        link("session_detail", "7")
