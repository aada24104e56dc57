import json

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_healthz_says_ok_when_database_and_redis_answer(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert json.loads(response.content) == {"database": "ok", "redis": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_names_redis_when_it_is_down(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert json.loads(response.content) == {"database": "ok", "redis": "down"}


def test_healthz_needs_no_login_and_sets_no_session(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert "sessionid" not in response.cookies
