"""Every form answers junk with a message (2xx/3xx/4xx), never a 500.

A first sweep for issue 6: each page's own form fields, read from the page, filled with long,
odd, hostile and wrongly typed values, posted by the persona the page is for.
"""

import re

import pytest

from tests.test_access import CHECKED, PERSONAS, rule_for, sample_kwargs, url_for

JUNK = [
    "x" * 5000,
    "\u202e\u0000\u200b😊 Ωmega",
    "<script>alert(1)</script>",
    "'; DROP TABLE members_user; --",
    "-1",
    "99999999999999999999999",
    "",
]
FIELD = re.compile(r'name="([a-z_0-9-]+)"')
SKIP = {"csrfmiddlewaretoken", "next"}


def form_fields(html: str) -> list[str]:
    return sorted({name for name in FIELD.findall(html) if name not in SKIP})


def persona_for(rule) -> str:
    """Who the page is for: anyone (anonymous) or the first persona whose role the rule allows."""
    if rule.roles is None:
        return "anonymous"
    return next(
        p for p, role in PERSONAS.items() if role in rule.roles and not p.startswith("other_")
    )


PAGES = [c for c in CHECKED if not c[0].startswith("admin:")]


@pytest.mark.parametrize(("name", "pattern"), PAGES, ids=[n for n, _ in PAGES])
def test_forms_answer_junk_without_a_server_error(personas, world, participant, name, pattern):
    client = personas[persona_for(rule_for(name, pattern))]
    url = url_for(name, pattern, sample_kwargs(world, participant))
    page = client.get(url)
    fields = form_fields(page.content.decode(errors="replace")) if page.status_code == 200 else []
    for value in JUNK:
        response = client.post(url, {field: value for field in fields} or {"junk": value})
        assert response.status_code < 500, (
            f"{name} answered {response.status_code} to {value[:20]!r}"
        )
