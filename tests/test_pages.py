"""The layout every page shares: crisis link, skip link, CSP, error pages."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.urls import reverse

from members.access import roles_required
from members.models import Organisation, Role

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("persona", ["anonymous", "participant", "facilitator", "admin"])
def test_every_home_page_has_the_crisis_link_and_a_skip_link(personas, persona):
    response = personas[persona].get(reverse("home"))
    assert response.status_code == 200
    assert f'href="{reverse("crisis_resources")}"' in response.text
    assert 'href="#main"' in response.text and 'id="main"' in response.text


def test_role_home_pages_say_what_will_appear(personas):
    assert "your next session will show here" in personas["participant"].get("/").text
    assert (
        "Sessions of the groups you facilitate will show here"
        in personas["facilitator"].get("/").text
    )
    assert "Therapists</a>: invite, deactivate" in personas["admin"].get("/").text


def test_crisis_page_tells_people_to_call_their_local_emergency_number(client):
    response = client.get(reverse("crisis_resources"))
    assert response.status_code == 200
    assert "call your local emergency number" in response.text


def test_crisis_page_shows_the_organisations_own_text(client):
    Organisation.objects.filter(pk=1).update(
        crisis_resources="Call the Harbour Clinic line: 0800 000 111"
    )
    assert "Harbour Clinic line" in client.get(reverse("crisis_resources")).text


def test_pages_carry_a_strict_content_security_policy(client):
    policy = client.get(reverse("home"))["Content-Security-Policy"]
    script_src = next(part for part in policy.split(";") if part.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src and "'self'" in script_src
    assert "frame-ancestors 'none'" in policy


def test_pages_load_nothing_from_third_parties(client):
    html = client.get(reverse("account_login")).text
    assert "https://" not in html and "//cdn" not in html


def test_unknown_page_gets_the_friendly_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "We couldn't find that page" in response.text
    assert reverse("crisis_resources") in response.text


def test_wrong_role_gets_403_and_anonymous_is_sent_to_sign_in(participant, admin_user):
    view = roles_required(Role.ADMIN)(lambda request: "opened")
    request = RequestFactory().get("/somewhere/")
    request.user = participant
    with pytest.raises(PermissionDenied):
        view(request)
    request.user = admin_user
    assert view(request) == "opened"


def test_403_page_is_friendly(client, settings):
    from django.views.defaults import permission_denied

    response = permission_denied(RequestFactory().get("/"), PermissionDenied())
    assert response.status_code == 403
    assert "This page isn't available to you" in response.content.decode()


def test_responses_carry_the_security_headers(client):
    response = client.get(reverse("account_login"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert "object-src 'none'" in response["Content-Security-Policy"]


def test_django_admin_login_goes_through_allauth(client):
    response = client.get("/django-admin/login/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
