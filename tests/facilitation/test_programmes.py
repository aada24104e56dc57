"""The programme pages: write one, edit it into a new version, share it as a file and add one
from a file, and a group that follows one gets its sessions planned from it."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from demo.programmes import EXAMPLE
from programmes.models import GroupProgramme, ProgrammeTemplate
from tests.facilitation.test_pages import GROUP
from tests.programmes.factories import example_programme, programme

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, facilitator):
    client.force_login(facilitator)
    return client


def module_rows(rows, *, initial=0) -> dict:
    data = {
        "module-TOTAL_FORMS": str(len(rows)),
        "module-INITIAL_FORMS": str(initial),
        "module-MIN_NUM_FORMS": "0",
        "module-MAX_NUM_FORMS": "52",
    }
    for index, row in enumerate(rows):
        data |= {f"module-{index}-{field}": value for field, value in row.items()}
    return data


def test_a_facilitator_writes_a_programme_with_its_sessions_in_the_order_given(signed_in):
    rows = [
        {"key": "second", "title": "Second", "ORDER": "2"},
        {"key": "first", "title": "First", "take_home": "Try it", "ORDER": "1"},
        {"key": "", "title": ""},  # an empty row adds nothing
    ]
    response = signed_in.post(
        reverse("programme_new"),
        {"name": "Two steps", "language": "en-gb", "description": "", **module_rows(rows)},
    )
    template = ProgrammeTemplate.objects.get(name="Two steps")
    assert response["Location"] == reverse("programme_detail", args=[template.pk])
    assert [m.key for m in template.current.modules.all()] == ["first", "second"]
    page = signed_in.get(response["Location"])
    assert "Version 1: 2 sessions." in page.text and "Try it" in page.text


def test_editing_saves_a_new_version_and_removes_a_session_marked_for_deletion(signed_in):
    version = programme(keys=("one", "two"))
    page = signed_in.get(reverse("programme_edit", args=[version.template_id]))
    assert 'value="one"' in page.text and "Saving makes a new version" in page.text
    rows = [
        {"key": "one", "title": "One again", "ORDER": "1"},
        {"key": "two", "title": "Two", "ORDER": "2", "DELETE": "on"},
    ]
    signed_in.post(
        reverse("programme_edit", args=[version.template_id]),
        {"name": "ignored", "language": "en-gb", **module_rows(rows, initial=2)},
    )
    newer = version.template.current
    assert newer.number == 2 and [m.title for m in newer.modules.all()] == ["One again"]
    assert [m.title for m in version.modules.all()] == ["One", "Two"]  # as it was
    assert newer.template.name == "Four weeks"


def test_a_programme_with_faults_is_refused_with_what_to_fix_and_nothing_saved(signed_in):
    rows = [{"key": "same", "title": "A"}, {"key": "same", "title": "B"}]
    response = signed_in.post(
        reverse("programme_new"), {"name": "Faulty", "language": "en-gb", **module_rows(rows)}
    )
    assert response.status_code == 400
    assert "Module 2 has the key same, used already" in response.text
    assert not ProgrammeTemplate.objects.filter(name="Faulty").exists()


def test_a_programme_goes_out_as_a_file_and_comes_back_as_its_next_version(signed_in):
    version = example_programme()
    exported = signed_in.get(reverse("programme_export", args=[version.template_id]))
    assert exported["Content-Disposition"] == (
        'attachment; filename="eight-weeks-mood-and-action-v1.json"'
    )
    upload = SimpleUploadedFile("shared.json", exported.content, "application/json")
    response = signed_in.post(reverse("programme_import"), {"file": upload})
    assert response["Location"] == reverse("programme_detail", args=[version.template_id])
    assert version.template.versions.count() == 2
    assert json.loads(exported.content) == {**json.loads(EXAMPLE.read_text()), "version": 1}


def test_a_file_that_is_not_a_programme_is_refused_with_a_400(signed_in):
    upload = SimpleUploadedFile("shared.json", b"MZ\x90\x00 an executable", "application/json")
    response = signed_in.post(reverse("programme_import"), {"file": upload})
    assert response.status_code == 400 and "That file is not JSON" in response.text
    assert not ProgrammeTemplate.objects.exists()


def test_a_group_made_on_a_programme_is_offered_its_sessions_and_they_are_planned(
    signed_in, facilitator
):
    version = example_programme()
    response = signed_in.post(reverse("group_create"), {**GROUP, "programme": version.template_id})
    group = GroupProgramme.objects.get(version=version).group
    schedule = signed_in.get(response["Location"])
    assert 'name="count" value="8"' in schedule.text
    assert "Eight weeks: mood and action (version 1) has 8 sessions" in schedule.text
    data = {"first_date": "2027-01-05", "at": "18:00", "duration": 90, "repeat": "weekly"}
    signed_in.post(
        reverse("session_schedule", args=[group.pk]), {**data, "count": 8, "confirmed": "yes"}
    )
    sessions = list(group.sessions.order_by("starts_at"))
    assert [s.topic for s in sessions] == [m.title for m in version.modules.all()]
    note = signed_in.get(reverse("group_note", args=[sessions[1].pk]))
    assert "Which links between activity and mood did people notice?" in note.text


def test_a_group_moves_to_a_newer_version_only_when_asked(signed_in, facilitator):
    version = programme()
    signed_in.post(reverse("group_create"), {**GROUP, "programme": version.template_id})
    group = GroupProgramme.objects.get().group
    newer = programme(keys=("one", "two"))
    form = {**GROUP, "programme": version.template_id}
    page = signed_in.get(reverse("group_edit", args=[group.pk]))
    assert "It follows version 1; version 2 is the latest" in page.text
    signed_in.post(reverse("group_edit", args=[group.pk]), form)
    assert GroupProgramme.objects.get(group=group).version == version
    signed_in.post(reverse("group_edit", args=[group.pk]), {**form, "move_on": "on"})
    assert GroupProgramme.objects.get(group=group).version == newer
    signed_in.post(reverse("group_edit", args=[group.pk]), {**form, "programme": ""})
    assert not GroupProgramme.objects.filter(group=group).exists()
