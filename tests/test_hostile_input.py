"""Hostile input, generated with Hypothesis: every page's form and query string answers with a
message (2xx/3xx/4xx), never a 500, and a refused request stores nothing at all.

Each page is posted to by the persona it is for, with its own form fields (read from the page)
filled with generated values: long strings, unicode, control characters, HTML/JS, SQL-looking
text, numbers out of range, several values for one field, fields left out and fields added.
Tokens in links are tampered with and replayed. Examples are derandomized, so CI sees the same
inputs on every run; HYPOTHESIS_EXAMPLES raises the count for a deeper local run.
"""

import os
import re
from urllib.parse import quote

import pytest
from django.apps import apps
from django.contrib.messages import ERROR, get_messages
from django.db import connection
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.models import AuditEvent
from members.models import Invitation, Role, Session
from tests.test_access import CHECKED, PERSONAS, rule_for, sample_kwargs, url_for
from therapy_groups.models import GoalCheckIn

EXAMPLES = int(os.environ.get("HYPOTHESIS_EXAMPLES", "12"))
GENERATED = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "'; DROP TABLE members_user; --",
    "1 OR 1=1",
    "{{ request.user.password }}",
    "%(password)s",
    "../../etc/passwd",
    "\u202e\u200b\ufeff",
    "x" * 20_000,
    "-1",
    "99999999999999999999999",
    "2026-02-30",
    "NaN",
    "",
    "\x00",
    "scheduled\x00",
    "bogus",
    "²",
    "٣",
    "\uff11\uff12",  # full-width digits
    "9999-12-31",
    "0001-01-01",
    "9999-12-31T23:59",
]
VALUE = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=300),
    st.text(st.characters(codec="utf-8", categories=["Cc", "Cf", "Zs"]), max_size=20),
    st.integers().map(str),
    st.floats().map(str),
    st.dates().map(str),
)
FIELD = re.compile(r'name="([a-z_0-9-]+)"')
SKIP = {"csrfmiddlewaretoken"}
QUERY_KEYS = ["page", "format", "next", "participant", "status", "year", "month", "token"]


def form_fields(html: str) -> list[str]:
    return sorted({name for name in FIELD.findall(html) if name not in SKIP})


def form_data(fields: list[str]):
    """Some of the page's fields (missing ones), sometimes several values (wrong types),
    sometimes a field the form does not have."""
    known = st.dictionaries(st.sampled_from(fields), st.one_of(VALUE, st.lists(VALUE, max_size=3)))
    extra = st.dictionaries(st.text(min_size=1, max_size=20), VALUE, max_size=2)
    return st.tuples(known, extra).map(lambda pair: {**pair[1], **pair[0]})


# Our tables, except the trail (reads write to it) : a refused request must leave them as found.
TABLES = sorted(
    model._meta.db_table
    for model in apps.get_models()
    if model._meta.app_label in {"members", "therapy_groups", "group_sessions"}
    and model not in (AuditEvent, Session)  # the trail and the session's activity are written
    and not model._meta.proxy
)


def fingerprint() -> list[tuple[str, str]]:
    """One digest per table of every row: any insert, update or delete changes it."""
    query = " UNION ALL ".join(
        f"SELECT '{table}', md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "
        f"FROM {table} t"
        for table in TABLES
    )
    with connection.cursor() as cursor:
        cursor.execute(query)
        return sorted(cursor.fetchall())


def body(response) -> bytes:
    """What came back, a streamed file (a handout) too."""
    return b"".join(response.streaming_content) if response.streaming else response.content


def refused(response) -> bool:
    """A 4xx, a form shown again with its errors, or an error message on the next page."""
    if response.status_code >= 400:
        return True
    text = body(response).decode(errors="replace") if response.status_code == 200 else ""
    if 'class="errorlist' in text or 'role="alert"' in text:
        return True
    return any(m.level == ERROR for m in get_messages(response.wsgi_request))


def persona_for(rule) -> str:
    """Who the page is for: anyone (anonymous) or the first persona whose role the rule allows."""
    if rule.roles is None:
        return "anonymous"
    return next(
        p for p, role in PERSONAS.items() if role in rule.roles and not p.startswith("other_")
    )


PAGES = [c for c in CHECKED if not c[0].startswith("admin:")]


@pytest.mark.parametrize(("name", "pattern"), PAGES, ids=[n for n, _ in PAGES])
def test_generated_input_is_answered_and_a_refusal_stores_nothing(
    personas, world, participant, name, pattern
):
    client = personas[persona_for(rule_for(name, pattern))]
    url = url_for(name, pattern, sample_kwargs(world, participant))
    page = client.get(url)
    fields = form_fields(body(page).decode(errors="replace")) if page.status_code == 200 else []

    @GENERATED
    @given(query=st.dictionaries(st.sampled_from(QUERY_KEYS), VALUE, max_size=3))
    def query_string(query):
        response = client.get(url, query)
        assert response.status_code < 500, f"{name} answered {response.status_code} to {query}"

    @GENERATED
    @given(data=form_data(fields or ["value"]), htmx=st.booleans())
    def post(data, htmx):
        before = fingerprint()
        # htmx endpoints answer the same posts, asked for a fragment.
        response = client.post(url, data, **({"HTTP_HX_REQUEST": "true"} if htmx else {}))
        assert response.status_code < 500, f"{name} answered {response.status_code} to {data}"
        if refused(response):
            assert fingerprint() == before, f"{name} refused {data} but stored part of it"

    query_string()
    post()


PATH_VALUES = ["%00", "0", "-1", "99999999999999999999", "%C2%B2", "%D9%A3", "x" * 500, "%E2%80%AE"]
WITH_PARAMETERS = [c for c in PAGES if c[1].pattern.regex.groupindex]


@pytest.mark.parametrize(("name", "pattern"), WITH_PARAMETERS, ids=[n for n, _ in WITH_PARAMETERS])
def test_hostile_path_parameters_are_answered_without_a_500(
    personas, world, participant, name, pattern
):
    """Each path parameter in turn replaced by NUL, non-ASCII digits, huge or negative numbers
    and long text, the rest kept valid: the page answers 4xx (or its normal answer), never 500."""
    client = personas[persona_for(rule_for(name, pattern))]
    samples = sample_kwargs(world, participant)
    for key in pattern.pattern.regex.groupindex:
        for value in PATH_VALUES:
            # A number every converter accepts, then swapped for the hostile value.
            url = url_for(name, pattern, {**samples, key: "987654321"}).replace("987654321", value)
            for method in (client.get, client.post):
                before = fingerprint()
                response = method(url)
                assert response.status_code < 500, f"{url} answered {response.status_code}"
                if response.status_code >= 400:
                    assert fingerprint() == before


TOKEN_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_:.=%"
TAIL = st.text(st.characters(codec="utf-8", exclude_characters="/\x00"), min_size=1, max_size=20)


def tampered(token: str):
    """The token with one character changed, cut short, or with something added."""

    def change(position: int, new: str) -> str:
        if new == token[position]:
            new = "A" if new != "A" else "B"
        return token[:position] + new + token[position + 1 :]

    return st.one_of(
        st.builds(change, st.integers(0, len(token) - 1), st.sampled_from(TOKEN_CHARS)),
        st.integers(1, len(token) - 1).map(lambda end: token[:end]),
        TAIL.map(lambda tail: token + tail),
    )


def test_tampered_and_replayed_tokens_are_refused(world, participant, admin_user, check_in_link):
    from members.services import create_invitation, regenerate_calendar_token

    invitation, _ = create_invitation(
        email="newcomer@example.org", role=Role.PARTICIPANT, invited_by=admin_user
    )
    links = {
        "invitation_accept": invitation.token,
        "goal_prompt_check_in": check_in_link.rstrip("/").rsplit("/", 1)[1],
        "calendar_feed": regenerate_calendar_token(user=participant),
    }
    client = Client()

    def refuses_tampering(name: str, token: str):
        @GENERATED
        @given(changed=tampered(token))
        def refuse(changed):
            before = fingerprint()
            # Built by hand: reverse() refuses a token the URL pattern would not match.
            url = reverse(name, args=["PLACEHOLDER"]).replace("PLACEHOLDER", quote(changed))
            response = client.post(url, {"progress-1": "5"})
            assert 400 <= response.status_code < 500, f"{name} took a tampered token"
            assert fingerprint() == before

        refuse()

    for name, token in links.items():
        refuses_tampering(name, token)

    # The real ones work, once where they are single-use.
    goal = world.goal
    check_in = reverse("goal_prompt_check_in", args=[links["goal_prompt_check_in"]])
    assert client.post(check_in, {f"progress-{goal.pk}": "4"}).status_code == 200
    assert client.post(check_in, {f"progress-{goal.pk}": "9"}).status_code == 410
    assert list(GoalCheckIn.objects.values_list("progress", flat=True)) == [4]
    assert client.get(reverse("calendar_feed", args=[links["calendar_feed"]])).status_code == 200
    invitation_link = reverse("invitation_accept", args=[invitation.token])
    assert client.get(invitation_link).status_code == 302
    Invitation.objects.filter(pk=invitation.pk).update(accepted_at=world.past.starts_at)
    assert Client().get(invitation_link).status_code == 410  # replayed after use


PROVIDER_FIELDS = ["MessageSid", "From", "Body", "OptOutType", "MessageStatus", "ErrorCode"]


@pytest.mark.parametrize("name", ["text_reply", "text_status"])
def test_the_text_providers_signed_posts_with_hostile_values_get_an_answer_not_a_500(
    name, participant, settings
):
    """The webhooks read only what the provider signed, so the walk above meets their 403.
    Here each is posted signed, as the provider would, with generated values in its fields."""
    from core.outbox import sms
    from members.models import TextNumber

    TextNumber.objects.create(
        person=participant,
        number="+447400123456",
        number_digest=TextNumber.digest("+447400123456"),
        verified_at=participant.date_joined,
    )
    settings.SITE_URL = "http://testserver"
    url = reverse(name)

    def signed_post(params):
        signature = sms.LocmemBackend().sign(settings.SITE_URL + url, params)
        return Client().post(url, params, headers={"X-Twilio-Signature": signature})

    plain = {"MessageSid": "SM" + "0" * 32, "From": "+447400123456", "MessageStatus": "sent"}
    assert signed_post(plain).status_code in (200, 204)  # signed as the provider signs: read

    @GENERATED
    @given(data=st.dictionaries(st.sampled_from(PROVIDER_FIELDS), VALUE, max_size=6))
    def post(data):
        params = {"AccountSid": "AC1", **{key: str(value) for key, value in data.items()}}
        before = fingerprint()
        response = signed_post(params)
        assert response.status_code < 500, f"{name} answered {response.status_code} to {data}"
        if response.status_code >= 400:
            assert fingerprint() == before

    post()
