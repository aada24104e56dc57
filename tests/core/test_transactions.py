"""Requests that may change something run in one transaction; pages do not (core/transactions)."""

import pytest
from allauth.core.exceptions import ImmediateHttpResponse
from django.db import connection
from django.http import Http404, HttpResponse
from django.test import Client
from django.urls import path
from django.utils import timezone

from config.urls import urlpatterns as project_urlpatterns
from core.outbox.models import OutboxMark

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls(__name__)]


def write(name: str) -> None:
    OutboxMark.objects.create(name=name, at=timezone.now())


def in_transaction() -> HttpResponse:
    return HttpResponse("in a transaction" if connection.in_atomic_block else "autocommit")


def saves(request):
    write("saved")
    return in_transaction()


def fails(request):
    write("failed")
    raise ValueError("after a write")


def not_found(request):
    write("not-found")
    raise Http404


def answered_elsewhere(request):  # how allauth answers from deep inside a view
    write("answered-elsewhere")
    raise ImmediateHttpResponse(HttpResponse("answered elsewhere"))


urlpatterns = [
    path("saves", saves),
    path("failed", fails),
    path("not-found", not_found),
    path("answered-elsewhere", answered_elsewhere),
    *project_urlpatterns,  # the error pages link to them
]


@pytest.fixture
def client():
    return Client(raise_request_exception=False)


def test_a_change_runs_in_one_transaction_and_is_kept(client):
    response = client.post("/saves")
    assert response.content == b"in a transaction"
    assert OutboxMark.objects.filter(name="saved").exists()


@pytest.mark.parametrize(
    "name, status", [("failed", 500), ("not-found", 404), ("answered-elsewhere", 200)]
)
def test_what_a_change_wrote_is_undone_when_its_view_raises(client, name, status):
    assert client.post(f"/{name}").status_code == status
    assert not OutboxMark.objects.filter(name=name).exists()


def test_a_page_runs_without_a_transaction_and_its_one_write_is_kept(client):
    response = client.get("/saves")
    assert response.content == b"autocommit"
    assert OutboxMark.objects.filter(name="saved").exists()
