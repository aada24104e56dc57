"""Handouts: files checked by what they are, kept through Django's storage API (the local disk,
or an S3-compatible server), given to members only once released, downloaded only through a
view that checks who asks and records it, and gone from storage when removed."""

import io
import re
import zipfile
from pathlib import Path

import boto3
import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.test import Client, override_settings
from django.urls import reverse
from moto.server import ThreadedMotoServer

from config import env
from core.models import AuditEvent
from programmes import files, handouts, services
from programmes.models import Handout, PlannedModule
from tests.programmes.factories import (
    PDF,
    programme,
    released_handout,
    session_handout,
    upload,
)

pytestmark = pytest.mark.django_db


def office(main_part: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(main_part, "<document/>")
    return out.getvalue()


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (PDF, "pdf"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "png"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 20, "jpg"),
        (office("word/document.xml"), "docx"),
        (office("ppt/presentation.xml"), "pptx"),
    ],
)
def test_a_handout_is_known_by_its_content(content, kind):
    assert files.kind_of(upload(content, name="whatever.bin")).extension == kind


@pytest.mark.parametrize(
    "content",
    [
        b"MZ\x90\x00\x03\x00\x00\x00",  # a Windows program
        b"\x7fELF\x02\x01\x01\x00",  # a Linux one
        b"#!/bin/sh\nrm -rf ~\n",
        b"<html><script>alert(1)</script></html>",
        office("macros/payload.bin"),  # a zip that is no office document
    ],
)
def test_a_renamed_program_or_page_is_refused_whatever_its_name(content):
    with pytest.raises(ValidationError, match="not one we can share safely"):
        files.kind_of(upload(content, name="worksheet.pdf"))


def test_an_oversize_file_is_refused_with_its_size_and_the_limit():
    big = upload(PDF + b"\x00" * files.MAX_BYTES)
    with pytest.raises(ValidationError, match=r"That file is 10\.0 MB\. .* up to 10 MB"):
        files.kind_of(big)


@pytest.fixture
def signed_in(client, facilitator):
    client.force_login(facilitator)
    return client


def test_a_facilitator_adds_and_releases_a_handout_and_the_member_downloads_it(
    signed_in, world, facilitator, participant
):
    member = Client()
    member.force_login(participant)
    page = reverse("session_handouts", args=[world.past.pk])
    response = signed_in.post(
        page,
        {"title": "Sleep diary", "language": "en-gb", "file": upload(name="diary.exe")},
    )
    assert response.status_code == 302
    handout = Handout.objects.get()
    assert storages["files"].exists(handout.stored_name)
    assert handout.stored_name.endswith(".pdf") and "diary" not in handout.stored_name
    assert "Sleep diary" not in member.get(reverse("my_handouts")).text  # not released yet
    assert member.get(reverse("handout_file", args=[handout.pk])).status_code == 404
    signed_in.post(reverse("handout_release", args=[world.past.pk, handout.pk]))
    assert "Sleep diary" in member.get(reverse("my_handouts")).text
    response = member.get(reverse("handout_file", args=[handout.pk]))
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"] == 'attachment; filename="sleep-diary.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    downloaded = AuditEvent.objects.get(action="download")
    assert (downloaded.actor, downloaded.object_id) == (participant, handout.pk)


def test_a_refused_file_is_a_400_with_the_reason_and_nothing_is_stored(signed_in, world):
    response = signed_in.post(
        reverse("session_handouts", args=[world.past.pk]),
        {"title": "Evil", "language": "en-gb", "file": upload(b"MZ\x90\x00", "evil.pdf")},
    )
    assert response.status_code == 400 and "not one we can share safely" in response.text
    assert not Handout.objects.exists()


def test_others_never_download_a_handout_not_released_to_them(
    personas, world, facilitator, other_facilitator
):
    released = released_handout(world.past, facilitator)
    others = released_handout(world.other_session, other_facilitator, title="Other group's")
    kept = session_handout(world.past, facilitator, title="Not released")
    expected = {
        # persona: the handouts they may download, of the three
        "anonymous": set(),
        "admin": set(),
        "participant": {released},
        "other_participant": {others},
        "facilitator": {released, kept},
        "other_facilitator": {others},
    }
    for persona, allowed in expected.items():
        for handout in (released, others, kept):
            status = personas[persona].get(reverse("handout_file", args=[handout.pk])).status_code
            if handout in allowed:
                assert status == 200, (persona, handout.title)
            else:
                assert status in (302, 404), (persona, handout.title, status)


def test_a_member_sees_the_handout_in_their_language_where_there_is_one(
    client, world, facilitator, participant
):
    released_handout(world.past, facilitator, title="Sleep diary")
    released_handout(world.past, facilitator, title="Diario de sueño", language="es")
    participant.language = "es"
    participant.save()
    client.force_login(participant)
    page = client.get(reverse("my_handouts")).text
    assert "Diario de sueño" in page and "Sleep diary" not in page


def test_a_module_handout_is_offered_to_each_session_planned_from_that_module(
    signed_in, world, facilitator
):
    version = programme(keys=("one", "two"))
    services.follow_programme(group=world.group, version=version, by=facilitator)
    PlannedModule.objects.create(session=world.past, module=version.modules.get(key="two"))
    signed_in.post(
        reverse("module_handouts", args=[version.template_id, "two"]),
        {"title": "Module two sheet", "language": "en-gb", "file": upload()},
    )
    handout = Handout.objects.get(module_key="two")
    page = signed_in.get(reverse("session_handouts", args=[world.past.pk]))
    assert "Module two sheet" in page.text and "from the programme" in page.text
    refused = signed_in.post(reverse("handout_release", args=[world.upcoming.pk, handout.pk]))
    assert refused.status_code == 404  # not that session's module
    signed_in.post(reverse("handout_release", args=[world.past.pk, handout.pk]))
    assert handout.releases.filter(session=world.past).exists()


def test_removing_asks_first_then_deletes_the_file_from_storage(
    signed_in, world, facilitator, django_capture_on_commit_callbacks
):
    handout = released_handout(world.past, facilitator)
    remove = reverse("handout_remove", args=[handout.pk])
    review = signed_in.post(remove)
    assert "This cannot be undone" in review.text and Handout.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        signed_in.post(remove, {"confirmed": "yes"})
    assert not Handout.objects.exists()
    assert not storages["files"].exists(handout.stored_name)


@pytest.fixture
def s3_storage():
    """The files storage moved to a local S3-compatible server (moto in server mode)."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"s3+http://test-key:test-secret@{host}:{port}/together-handouts?region=eu-west-2"
    config = env.files_storage(url, default_root=None)
    client = boto3.client(
        "s3",
        endpoint_url=config["OPTIONS"]["endpoint_url"],
        aws_access_key_id="test-key",
        aws_secret_access_key="test-secret",
        region_name="eu-west-2",
    )
    client.create_bucket(
        Bucket="together-handouts",
        CreateBucketConfiguration={"LocationConstraint": "eu-west-2"},
    )
    try:
        with override_settings(STORAGES={**storages.backends, "files": config}):
            yield client
    finally:
        server.stop()


def test_with_one_setting_handouts_live_in_an_s3_store_and_leave_it_when_removed(
    s3_storage, client, world, facilitator, participant, django_capture_on_commit_callbacks
):
    handout = released_handout(world.past, facilitator)
    stored = s3_storage.list_objects_v2(Bucket="together-handouts")["Contents"]
    assert [item["Key"] for item in stored] == [handout.stored_name]
    acl = s3_storage.get_object_acl(Bucket="together-handouts", Key=handout.stored_name)
    assert [grant["Permission"] for grant in acl["Grants"]] == ["FULL_CONTROL"]  # private
    client.force_login(participant)
    response = client.get(reverse("handout_file", args=[handout.pk]))
    assert b"".join(response.streaming_content) == PDF
    with django_capture_on_commit_callbacks(execute=True):
        handouts.remove_handout(handout=handout)
    assert s3_storage.list_objects_v2(Bucket="together-handouts")["KeyCount"] == 0


def test_a_member_who_joined_late_is_shown_the_sessions_still_to_come(
    world, facilitator, participant
):
    version = programme(keys=("one", "two"))
    services.follow_programme(group=world.group, version=version, by=facilitator)
    PlannedModule.objects.create(session=world.past, module=version.modules.get(key="one"))
    member = Client()
    member.force_login(participant)
    page = member.get(reverse("my_handouts")).text
    assert "You have been to 1 of its 2 sessions" in page  # present at "one" (world.past)
    assert "<li>Two</li>" in page and "<li>One</li>" not in page


def test_files_url_reads_a_folder_or_an_s3_store_and_says_what_is_wrong(tmp_path):
    local = env.files_storage("", default_root=tmp_path)
    assert local["OPTIONS"]["location"] == tmp_path
    assert env.files_storage("file:///srv/files", default_root=tmp_path)["OPTIONS"] == {
        "location": Path("/srv/files"),
        "file_permissions_mode": 0o600,
    }
    s3 = env.files_storage(
        "s3://KEY:se%2Fcret@s3.example.org/handouts?region=eu-west-2", default_root=None
    )
    assert s3["BACKEND"] == "storages.backends.s3.S3Storage"
    assert {k: s3["OPTIONS"][k] for k in ("bucket_name", "secret_key", "endpoint_url")} == {
        "bucket_name": "handouts",
        "secret_key": "se/cret",
        "endpoint_url": "https://s3.example.org",
    }
    for wrong, says in [
        ("ftp://host/x", "must be empty, file:///path or s3://"),
        ("file://relative/path", "needs an absolute path"),
        ("s3://s3.example.org/handouts", "s3://ACCESS_KEY:SECRET@host/bucket"),
        ("s3://KEY:secret@s3.example.org/", "s3://ACCESS_KEY:SECRET@host/bucket"),
    ]:
        with pytest.raises(env.SettingError, match=re.escape(says)):
            env.files_storage(wrong, default_root=tmp_path)
    with pytest.raises(env.SettingError) as refused:
        env.files_storage("gs://KEY:topsecret@host/b", default_root=tmp_path)
    assert "topsecret" not in str(refused.value)  # a secret never reaches a log
