"""Every URL pattern has an access rule, and every persona meets it.

Our views carry their rule (members.access); third-party views get theirs here, by URL name.
A new URL pattern without a rule makes test_every_url_has_an_access_rule fail.
"""

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from members.access import PUBLIC, SIGNED_IN, AccessRule
from programmes.models import SessionWorksheet
from tests.pathways.factories import referral, signed_summary
from tests.programmes.factories import programme, released_handout

ADMIN_SITE = AccessRule(roles=frozenset({"superuser"}))
# A step inside a login in progress: open to anyone; with no login in progress it sends the
# visitor back to the login page.
LOGIN_STEP = AccessRule(roles=None)
# Pages about an authenticator the person has: staff personas have TOTP and recovery codes,
# the participant persona has none (for participants MFA is optional), so gets 404.
OWN_AUTHENTICATOR = AccessRule(roles=frozenset({"admin", "facilitator"}))

THIRD_PARTY_RULES = {
    # allauth: the ways in (anyone may open them; signed-in people are sent on).
    "account_login": PUBLIC,
    "account_logout": PUBLIC,
    "account_inactive": PUBLIC,
    "account_signup": PUBLIC,  # refuses without an invitation: tests/members/test_signup.py
    "account_email_verification_sent": PUBLIC,
    "account_confirm_email": PUBLIC,
    "account_reset_password": PUBLIC,
    "account_reset_password_done": PUBLIC,
    "account_reset_password_from_key": PUBLIC,
    "account_reset_password_from_key_done": PUBLIC,
    "account_confirm_login_code": LOGIN_STEP,
    "mfa_authenticate": LOGIN_STEP,
    # allauth: a signed-in person's own account settings.
    "account_reauthenticate": SIGNED_IN,
    "account_request_reauthentication_code": SIGNED_IN,
    "account_confirm_reauthentication_code": SIGNED_IN,
    "account_email": SIGNED_IN,
    "account_change_password": SIGNED_IN,
    "account_set_password": SIGNED_IN,
    "mfa_index": SIGNED_IN,
    "mfa_reauthenticate": SIGNED_IN,
    "mfa_activate_totp": SIGNED_IN,
    "mfa_deactivate_totp": OWN_AUTHENTICATOR,
    "mfa_view_recovery_codes": OWN_AUTHENTICATOR,
    "mfa_generate_recovery_codes": SIGNED_IN,  # without TOTP it sends you to set it up
    "mfa_download_recovery_codes": OWN_AUTHENTICATOR,
    "usersessions_list": SIGNED_IN,
}


# URL parameters name objects of the facilitator's and participant's own group (see the
# `world` fixture): the persona the rule allows must get in, everyone else must not.
def sample_kwargs(world, participant) -> dict:
    # The past session sets a worksheet, so its member's worksheet page has one to show.
    SessionWorksheet.objects.get_or_create(
        session=world.past, defaults={"kind": "activity-schedule"}
    )
    return {
        "group_id": world.group.pk,
        "session_id": world.past.pk,
        "enrollment_id": world.enrollment.pk,
        "participant_id": participant.pk,
        "person_id": participant.pk,
        "goal_id": world.goal.pk,
        "request_id": world.closure.pk,
        "follow_up_id": world.follow_up.pk,
        "user_id": world.group.facilitators.first().pk,
        "token": "not-a-real-token",
        "key": "not-a-real-key",
        "uidb36": "zz",
        "object_id": "1",
        "app_label": "members",
        "content_type_id": "1",
        "referral_id": referral(
            handler=world.group.facilitators.get(email="facilitator@example.org")
        ).pk,
        "step": "take",
        "template_id": programme().template_id,
        "module_key": "one",
        "handout_id": released_handout(
            world.past, by=world.group.facilitators.get(email="facilitator@example.org")
        ).pk,
        "summary_id": signed_summary(
            world.enrollment, by=world.group.facilitators.get(email="facilitator@example.org")
        ).pk,
    }


# Personas, with the role they have; "other_" ones belong to another group.
PERSONAS = {
    "anonymous": None,
    "participant": "participant",
    "facilitator": "facilitator",
    "admin": "admin",
    "other_facilitator": "facilitator",
    "other_participant": "participant",
}
# Objects that belong to one group: facilitators and participants of another get 404.
OBJECT_KWARGS = {
    "group_id",
    "session_id",
    "enrollment_id",
    "participant_id",
    "person_id",
    "goal_id",
    "request_id",
    "follow_up_id",
    "referral_id",
    "summary_id",
    "handout_id",
}


def walk(patterns, namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name}", entry


def rule_for(name: str, pattern: URLPattern) -> AccessRule | None:
    if name.startswith("admin:"):
        return ADMIN_SITE
    return getattr(pattern.callback, "access_rule", None) or THIRD_PARTY_RULES.get(name)


def url_for(name: str, pattern: URLPattern, samples: dict) -> str:
    kwargs = {key: samples[key] for key in pattern.pattern.regex.groupindex}
    return reverse(name, kwargs=kwargs)


ALL_PATTERNS = list(walk(get_resolver().url_patterns))
# Django admin's model pages all pass through one admin_view check; its index, a model list
# and an object page stand for the rest.
CHECKED = [
    (name, pattern)
    for name, pattern in ALL_PATTERNS
    if not name.startswith("admin:")
    or name in {"admin:index", "admin:members_user_changelist", "admin:members_user_change"}
]


def test_every_url_has_an_access_rule():
    missing = [name for name, pattern in ALL_PATTERNS if rule_for(name, pattern) is None]
    assert missing == [], f"URL patterns without an access rule: {missing}"


def test_every_url_pattern_outside_django_admin_is_named():
    unnamed = [
        str(p.pattern)
        for name, p in ALL_PATTERNS
        if name.endswith("None") and not name.startswith("admin:")
    ]
    assert unnamed == []


def _is_login_redirect(response) -> bool:
    login = reverse(settings.LOGIN_URL)
    return response.status_code == 302 and response["Location"].startswith(login)


@pytest.mark.parametrize(("name", "pattern"), CHECKED, ids=[name for name, _ in CHECKED])
def test_url_answers_each_persona_by_its_rule(personas, world, participant, name, pattern):
    rule = rule_for(name, pattern)
    url = url_for(name, pattern, sample_kwargs(world, participant))
    names_an_object = bool(OBJECT_KWARGS & set(pattern.pattern.regex.groupindex))
    for persona, role in PERSONAS.items():
        response = personas[persona].get(url)
        if response.status_code == 405:  # a POST-only action: try it the way it is used
            response = personas[persona].post(url, {})
        check(rule, name, persona, role, names_an_object, response)


def check(rule, name, persona, role, names_an_object, response):
    status = response.status_code
    assert status < 500, f"{name} answered {status} to {persona}"
    if rule is ADMIN_SITE:
        if name not in {"admin:login", "admin:logout"}:  # nobody in PERSONAS is a superuser
            assert status == 302 and "/django-admin/login/" in response["Location"]
    elif rule is LOGIN_STEP:
        assert status in (200, 302)
    elif rule.is_public:
        assert not _is_login_redirect(response), f"{name} is public but asked {persona} to sign in"
    elif role is None:
        assert _is_login_redirect(response), f"{name} let an anonymous visitor in ({status})"
    elif role not in rule.roles:
        assert status in (403, 404), f"{name} let {persona} in ({status}) against its rule"
    elif persona.startswith("other_") and names_an_object:
        # Right role, wrong group: the object does not exist for them.
        assert status == 404, f"{name} showed another group's object to {persona} ({status})"
    else:
        assert status not in (403, 404) and not _is_login_redirect(response), (
            f"{name} refused {persona} ({status}), whom its rule allows"
        )


def other_groups_objects(world, other_participant) -> dict:
    """The same kinds of object as sample_kwargs, from the other group."""
    return {
        "group_id": world.other_group.pk,
        "session_id": world.other_session.pk,
        "enrollment_id": world.other_enrollment.pk,
        "participant_id": other_participant.pk,
        "person_id": other_participant.pk,
        "goal_id": world.other_goal.pk,
        "request_id": world.other_closure.pk,
        "follow_up_id": world.other_follow_up.pk,
        "referral_id": referral(
            handler=world.other_group.facilitators.first(), email="other.referred@example.org"
        ).pk,
        "summary_id": signed_summary(
            world.other_enrollment, by=world.other_group.facilitators.first()
        ).pk,
        "handout_id": released_handout(
            world.other_session, by=world.other_group.facilitators.first()
        ).pk,
    }


OBJECT_URLS = [
    (name, pattern)
    for name, pattern in CHECKED
    if OBJECT_KWARGS & set(pattern.pattern.regex.groupindex) and not name.startswith("admin:")
]
IDOR_PERSONAS = ("facilitator", "participant")


@pytest.mark.parametrize(("name", "pattern"), OBJECT_URLS, ids=[n for n, _ in OBJECT_URLS])
def test_no_persona_reaches_another_groups_object_by_changing_an_id(
    personas, world, participant, other_participant, name, pattern
):
    """IDOR: each id in the URL in turn is swapped for one from the other group, the rest kept
    as the persona's own; the persona whose role the page is for must get 404, every time."""
    rule = rule_for(name, pattern)
    own = sample_kwargs(world, participant)
    foreign = other_groups_objects(world, other_participant)
    swaps = [key for key in pattern.pattern.regex.groupindex if key in foreign]
    tried = 0
    for persona in IDOR_PERSONAS:
        if PERSONAS[persona] not in rule.roles:
            continue
        for key in swaps:
            url = url_for(name, pattern, {**own, key: foreign[key]})
            response = personas[persona].get(url)
            if response.status_code == 405:
                response = personas[persona].post(url, {})
            assert response.status_code == 404, (
                f"{name} with another group's {key} answered {persona} {response.status_code}"
            )
            tried += 1
    assert tried or rule.roles == {"admin"}, f"{name}: no persona tried"
