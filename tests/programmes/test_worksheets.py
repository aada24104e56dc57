"""Worksheets: kinds as data, set by a session (from its programme module or its plan), filled
in by a member with autosave, encrypted, read by the group's facilitators only, counted as
take-home on the outcome board and in the member's export."""

import json

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import Client
from django.urls import reverse

from measures.board import outcome_board
from participation.data_export import personal_data
from pathways.discharge import facts
from programmes import services, worksheets
from programmes.models import SessionWorksheet, Worksheet
from tests.programmes.factories import example_programme
from tests.sessions.factories import GroupSessionFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def set_worksheet(world):
    SessionWorksheet.objects.create(session=world.past, kind="activity-schedule")
    return world.past


@pytest.fixture
def member(participant):
    client = Client()
    client.force_login(participant)
    return client


def test_the_first_two_kinds_are_data_in_both_languages():
    kinds = worksheets.KINDS
    assert set(kinds) == {"activity-schedule", "thought-record"}
    record = kinds["thought-record"]
    assert [f["name"] for f in record.fields] == ["situation", "thought", "feeling", "other_way"]
    assert record.title("es") == "Registro de pensamientos"


def test_a_new_kind_is_an_entry_in_the_file_and_a_faulty_one_stops_the_start(tmp_path):
    path = tmp_path / "worksheets.json"
    mood = {
        "slug": "mood-diary",
        "titles": {"en-gb": "Mood diary"},
        "intros": {},
        "row_labels": {},
        "rows": 7,
        "fields": [{"name": "mood", "type": "scale", "min": 0, "max": 10, "labels": {}}],
    }
    path.write_text(json.dumps([mood]))
    assert worksheets.load_kinds(path)["mood-diary"].title("es") == "Mood diary"
    path.write_text(json.dumps([{**mood, "fields": [{"name": "x", "type": "video"}]}]))
    with pytest.raises(ImproperlyConfigured, match=r"'mood-diary'.*a new name, a type"):
        worksheets.load_kinds(path)


def test_sessions_planned_from_the_example_set_its_two_worksheets(facilitator, world):
    version = example_programme()
    services.follow_programme(group=world.group, version=version, by=facilitator)
    sessions = [
        GroupSessionFactory(
            group=world.group,
            starts_at=world.upcoming.starts_at
            + i * (world.upcoming.starts_at - world.past.starts_at),
        )
        for i in range(1, 9)
    ]
    services.plan_from_programme(sessions=sessions)
    chosen = dict(SessionWorksheet.objects.values_list("session_id", "kind"))
    assert chosen == {sessions[1].pk: "activity-schedule", sessions[4].pk: "thought-record"}


def test_a_member_fills_in_the_week_and_it_saves_as_they_type_encrypted(
    member, set_worksheet, facilitator
):
    url = reverse("worksheet", args=[set_worksheet.pk])
    page = member.get(url)
    assert page.status_code == 200 and "Only your group's facilitators" in page.text
    assert page.text.count("<fieldset>") == 7  # a row a day
    saved = member.post(url, {"r0-what": "Walked to the shop", "r0-feeling": "6"}, **HTMX)
    assert saved.status_code == 200 and "Saved" in saved.text
    sheet = Worksheet.objects.get()
    assert sheet.rows == [{"what": "Walked to the shop", "feeling": 6}] and sheet.filled == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT entries FROM programmes_worksheet")
        assert "Walked" not in cursor.fetchone()[0]  # encrypted at rest
    assert "Walked to the shop" in member.get(url).text
    assert mail.outbox == []  # nothing about it leaves the app


def test_a_value_out_of_range_is_refused_and_nothing_is_saved(member, set_worksheet):
    url = reverse("worksheet", args=[set_worksheet.pk])
    response = member.post(url, {"r0-what": "Slept", "r0-feeling": "11"})
    assert response.status_code == 400 and "Choose a number from 0 to 10" in response.text
    refused = member.post(url, {"r0-feeling": "-1"}, **HTMX)
    assert "Choose a number from 0 to 10" in refused.text
    assert not Worksheet.objects.exists()


def test_the_groups_facilitators_read_it_on_the_session_page_and_no_one_else(
    member, set_worksheet, facilitator, personas
):
    member.post(reverse("worksheet", args=[set_worksheet.pk]), {"r2-what": "Called my sister"})
    client = Client()
    client.force_login(facilitator)
    page = client.get(reverse("session_detail", args=[set_worksheet.pk]))
    assert "Worksheets: Activity schedule" in page.text and "Called my sister" in page.text
    other = personas["other_facilitator"].get(reverse("session_detail", args=[set_worksheet.pk]))
    assert other.status_code == 404
    fellow = personas["other_participant"].get(reverse("worksheet", args=[set_worksheet.pk]))
    assert fellow.status_code == 404


def test_a_session_without_a_worksheet_has_no_worksheet_page(member, world):
    assert member.get(reverse("worksheet", args=[world.past.pk])).status_code == 404


def test_the_plan_form_sets_a_worksheet_and_tells_members_what_to_do(facilitator, world):
    client = Client()
    client.force_login(facilitator)
    client.post(
        reverse("session_plan", args=[world.upcoming.pk]),
        {"topic": "Activity", "worksheet": "activity-schedule"},
    )
    assert SessionWorksheet.objects.get(session=world.upcoming).kind == "activity-schedule"
    world.upcoming.refresh_from_db()
    assert world.upcoming.take_home == "Activity schedule"


def board_cell(group, person, session) -> dict:
    board = outcome_board(group)
    row = next(r for r in board.rows if r.participant.id == person.pk)
    return next(c for c, s in zip(row.cells, board.sessions, strict=True) if s.pk == session.pk)


def test_a_filled_worksheet_counts_as_take_home_on_the_board_and_is_in_the_export(
    member, set_worksheet, participant, world
):
    set_worksheet.take_home = "Activity schedule"
    set_worksheet.save()
    assert board_cell(world.group, participant, set_worksheet)["take_home"] is False
    member.post(reverse("worksheet", args=[set_worksheet.pk]), {"r0-what": "Swam"})
    assert board_cell(world.group, participant, set_worksheet)["take_home"] is True
    exported = personal_data(participant)["worksheets"]
    assert exported[0]["worksheet"] == "activity-schedule"
    assert exported[0]["rows"] == [{"what": "Swam"}]
    json.dumps(exported)  # as the download writes it


def test_the_discharge_summary_counts_a_filled_worksheet_as_take_home_done(
    member, set_worksheet, participant, world
):
    set_worksheet.take_home = "Activity schedule"
    set_worksheet.save()
    assert facts(world.enrollment)["take_home_done"] == 0
    member.post(reverse("worksheet", args=[set_worksheet.pk]), {"r0-what": "Swam"})
    assert facts(world.enrollment)["take_home_done"] == 1
