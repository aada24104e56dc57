"""The health check of persistent connections (core/postgresql): a connection PostgreSQL ended
between requests is replaced before the page uses it, and a healthy one costs no round trip."""

import io
import select

import psycopg
import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.urls import reverse

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def persistent_connection():
    """Connections kept between requests and checked, as in production."""
    saved = {key: connection.settings_dict[key] for key in ("CONN_MAX_AGE", "CONN_HEALTH_CHECKS")}
    connection.close()
    connection.settings_dict.update(CONN_MAX_AGE=600, CONN_HEALTH_CHECKS=True)
    yield connection
    connection.close()
    connection.settings_dict.update(saved)


def other_connection() -> psycopg.Connection:
    params = connection.settings_dict
    return psycopg.connect(
        dbname=params["NAME"],
        user=params["USER"],
        password=params["PASSWORD"],
        host=params["HOST"],
        port=params["PORT"],
        autocommit=True,
    )


def serve(path: str) -> str:
    """One request through Django's WSGI handler, as a server makes it: unlike the test
    client, this sends the signals that recycle or re-check connections between requests."""
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": io.StringIO(),
    }
    statuses = []
    response = WSGIHandler()(environ, lambda status, headers: statuses.append(status))
    b"".join(response)
    response.close()
    return statuses[0]


def wait_until_readable(raw) -> None:
    """Wait for PostgreSQL's message to reach the socket (for the event, not for a while)."""
    assert select.select([raw.fileno()], [], [], 10)[0], "nothing arrived from PostgreSQL"


def test_a_connection_postgresql_ended_between_requests_is_replaced(persistent_connection):
    assert serve(reverse("crisis_resources")).startswith("200")
    ended = persistent_connection.connection.info.backend_pid
    with other_connection() as other:
        other.execute("SELECT pg_terminate_backend(%s)", [ended])
    wait_until_readable(persistent_connection.connection)

    assert serve(reverse("crisis_resources")).startswith("200")
    assert persistent_connection.connection.info.backend_pid != ended


def test_a_healthy_idle_connection_is_trusted_without_a_query(persistent_connection, monkeypatch):
    persistent_connection.ensure_connection()
    raw = persistent_connection.connection

    def no_query(*args, **kwargs):
        raise AssertionError("the health check sent a query to a healthy connection")

    monkeypatch.setattr(raw, "cursor", no_query)
    monkeypatch.setattr(raw, "execute", no_query)
    assert persistent_connection.is_usable()


def test_a_message_waiting_on_a_healthy_connection_is_not_taken_for_a_goodbye(
    persistent_connection,
):
    persistent_connection.ensure_connection()
    raw = persistent_connection.connection
    raw.execute("LISTEN together_test")
    with other_connection() as other:
        other.execute("NOTIFY together_test")
    wait_until_readable(raw)

    assert persistent_connection.is_usable()  # asked PostgreSQL, which answered
    raw.execute("UNLISTEN together_test")
