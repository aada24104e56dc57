"""The note pages: drafts saved as they are typed, formats switched without loss, a review
before signing, signed notes corrected by addenda, attendance changed after signing with a
reason."""

import time
import zoneinfo
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from members.middleware import SessionTimeoutMiddleware
from sessions import services
from sessions.models import Addendum, Attendance, GroupNote, IndividualNote
from tests.members.factories import UserFactory
from tests.sessions.factories import GroupSessionFactory, reviewed, sign
from tests.therapy_groups.factories import EnrollmentFactory, TherapyGroupFactory

pytestmark = pytest.mark.django_db
AUTOSAVE = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def signed_in(client, facilitator):
    client.force_login(facilitator)
    return client


@pytest.fixture
def session(facilitator):
    group = TherapyGroupFactory(facilitators=[facilitator], name="Tuesday mood group")
    return GroupSessionFactory(
        group=group,
        starts_at=timezone.now() - timedelta(hours=3),
        topic="Sleep",
        agenda="Check-in; sleep diaries",
        take_home="Keep the diary",
    )


@pytest.fixture
def ana(session, facilitator):
    person = EnrollmentFactory(
        group=session.group, participant=UserFactory(first_name="Ana", last_name="Ash")
    ).participant
    services.mark_attendance(
        session=session, participant=person, status="present", marked_by=facilitator
    )
    return person


def test_a_draft_saves_itself_while_typing_and_counts_as_activity(signed_in, session):
    url = reverse("group_note", args=[session.pk])
    signed_in.get(url)
    stale = signed_in.session
    stale[SessionTimeoutMiddleware.SEEN] = time.time() - 14 * 60
    stale.save()
    response = signed_in.post(url, {"format": "dap", "data": "Half a thought"}, **AUTOSAVE)
    assert response.status_code == 200 and "Draft saved at" in response.text
    assert "<html" not in response.text  # a status line, not a page
    assert GroupNote.objects.get(session=session).data == "Half a thought"
    assert time.time() - signed_in.session[SessionTimeoutMiddleware.SEEN] < 5
    page = signed_in.get(url).text
    assert "Half a thought</textarea>" in page and "Draft saved at" in page


def test_autosave_with_nothing_typed_makes_no_empty_draft(signed_in, session, ana):
    response = signed_in.post(
        reverse("group_note", args=[session.pk]), {"format": "dap"}, **AUTOSAVE
    )
    assert response.status_code == 200 and "Draft saved" not in response.text
    signed_in.post(
        reverse("individual_note", args=[session.pk, ana.pk]),
        {"progress": "", "participation": ""},
        **AUTOSAVE,
    )
    assert not GroupNote.objects.exists() and not IndividualNote.objects.exists()


def test_switching_the_format_keeps_what_was_typed(signed_in, session):
    url = reverse("group_note", args=[session.pk])
    response = signed_in.post(
        url,
        {
            "format": "dap",
            "data": "Shared diaries",
            "plan": "Keep going",
            "switch_to": "soap",
            "action": "switch",
        },
    )
    assert response.status_code == 302
    note = GroupNote.objects.get(session=session)
    assert (note.format, note.subjective, note.plan) == (
        "soap",
        "Data:\nShared diaries",
        "Keep going",
    )
    page = signed_in.get(response["Location"]).text
    assert "Everything you typed is still here" in page
    assert "Data:\nShared diaries</textarea>" in page and 'name="objective"' in page
    # With nothing typed yet, the switch just opens the page in the new format.
    empty = GroupSessionFactory(group=session.group, starts_at=session.starts_at)
    response = signed_in.post(
        reverse("group_note", args=[empty.pk]),
        {"format": "dap", "switch_to": "birp", "action": "switch"},
        follow=True,
    )
    assert 'name="behaviour"' in response.text and not GroupNote.objects.filter(session=empty)


def test_the_individual_note_page_says_who_and_which_session_with_its_plan(signed_in, session, ana):
    page = signed_in.get(reverse("individual_note", args=[session.pk, ana.pk])).text
    assert "Note about Ana Ash" in page and "Tuesday mood group" in page
    assert "Sleep" in page and "Check-in; sleep diaries" in page and "Keep the diary" in page
    assert "Present" in page


def test_review_shows_everything_signing_locks_and_signs_only_that(
    signed_in, session, ana, facilitator
):
    ben = EnrollmentFactory(
        group=session.group, participant=UserFactory(first_name="Ben", last_name="Birch")
    ).participant
    services.save_group_note(session=session, author=facilitator, format="free", free_text="Calm")
    services.save_individual_note(
        session=session,
        participant=ana,
        author=facilitator,
        progress="Tried the diary",
        participation="Spoke twice",
        risk_flag=True,
    )
    assert (
        reverse("notes_sign", args=[session.pk])
        in signed_in.get(reverse("session_detail", args=[session.pk])).text
    )
    review = signed_in.get(reverse("notes_sign", args=[session.pk])).text
    assert "Calm" in review and "Tried the diary" in review and "Risk concern" in review
    assert "Attendance is not recorded yet for Ben Birch" in review
    assert "Ana Ash: Present" in review and "Ben Birch: not recorded" in review
    assert "Sign the group note and 1 individual note" in review

    stale = reviewed(session)
    services.mark_attendance(
        session=session, participant=ben, status="absent", marked_by=facilitator
    )
    response = signed_in.post(reverse("notes_sign", args=[session.pk]), stale, follow=True)
    assert "changed since you reviewed" in response.text and "Ben Birch: Absent" in response.text
    assert not GroupNote.objects.get(session=session).is_signed

    signed_in.post(reverse("notes_sign", args=[session.pk]), reviewed(session))
    assert GroupNote.objects.get(session=session).is_signed
    assert IndividualNote.objects.get(participant=ana).is_signed


def test_a_signed_individual_note_is_read_only_and_takes_an_addendum(
    signed_in, session, ana, facilitator
):
    services.save_group_note(session=session, author=facilitator, format="free", free_text="Ok")
    services.save_individual_note(
        session=session,
        participant=ana,
        author=facilitator,
        progress="Tried the diary",
        participation="",
        risk_flag=False,
    )
    sign(session, facilitator)
    url = reverse("individual_note", args=[session.pk, ana.pk])
    page = signed_in.get(url).text
    assert "Tried the diary" in page and "Signed by" in page
    assert 'name="progress"' not in page  # nothing to edit
    assert reverse("individual_note_addendum", args=[session.pk, ana.pk]) in page
    response = signed_in.post(
        reverse("individual_note_addendum", args=[session.pk, ana.pk]),
        {"text": "Also tried the breathing exercise"},
    )
    assert response["Location"] == url
    page = signed_in.get(url).text
    assert "Also tried the breathing exercise" in page and "Tried the diary" in page

    # Typed into the page opened before the signing: kept, ready for an addendum.
    response = signed_in.post(url, {"progress": "Written too late", "participation": ""})
    assert "was signed while you were writing" in response.text
    assert "Written too late</textarea>" in response.text
    assert "Not saved" in signed_in.post(url, {"progress": "x"}, **AUTOSAVE).text
    assert IndividualNote.objects.get(participant=ana).progress == "Tried the diary"


def test_after_signing_the_session_page_asks_why_attendance_changes(
    signed_in, session, ana, facilitator
):
    services.save_group_note(session=session, author=facilitator, format="free", free_text="Ok")
    sign(session, facilitator)
    page = signed_in.get(reverse("session_detail", args=[session.pk])).text
    assert "Change and add to the note" in page
    assert reverse("attendance_all_present", args=[session.pk]) not in page
    mark = reverse("attendance_mark", args=[session.pk, ana.pk])
    page = signed_in.post(mark, {"status": "absent"}, follow=True).text
    assert "Say why attendance changes" in page
    assert Attendance.objects.get(participant=ana).status == "present"
    page = signed_in.post(mark, {"status": "absent", "reason": "Left at once"}, follow=True).text
    assert "changed from Present to Absent. Reason: Left at once" in page
    assert Addendum.objects.get().group_note.session == session


def test_the_record_log_says_in_words_who_did_what_to_which_note(
    signed_in, session, ana, facilitator
):
    services.save_group_note(session=session, author=facilitator, format="free", free_text="Ok")
    signed_in.post(reverse("notes_sign", args=[session.pk]), reviewed(session))
    signed_in.get(reverse("session_detail", args=[session.pk]))
    day = timezone.localtime(session.starts_at, zoneinfo.ZoneInfo(facilitator.timezone))
    when = f"{day:%a} {day.day} {day:%b}"
    url = reverse("group_audit", args=[session.group_id])
    log = signed_in.get(url).text
    me = facilitator.short_name
    assert f"{me} signed the group note of the {when} session." in log
    assert f"added Ana&#x27;s attendance at the {when} session." in log
    assert f"{me} opened" not in log
    log = signed_in.get(url + "?views=all").text
    assert f"{me} opened the {when} session." in log


def test_individual_notes_step_through_who_came_in_the_registers_order_saving_first(
    signed_in, session, ana, facilitator
):
    people = {}
    for name, status in (("Bo", "late"), ("Cy", "absent"), ("Di", "present")):
        person = EnrollmentFactory(
            group=session.group, participant=UserFactory(first_name=name, last_name="Ash")
        ).participant
        services.mark_attendance(
            session=session, participant=person, status=status, marked_by=facilitator
        )
        people[name] = person
    bo, cy, di = people["Bo"], people["Cy"], people["Di"]
    page = signed_in.get(reverse("individual_note", args=[session.pk, bo.pk])).text
    assert f'name="then" value="{ana.pk}"' in page and "← Save, then Ana" in page
    assert f'name="then" value="{di.pk}"' in page and "Save, then Di →" in page  # Cy was absent
    url = reverse("individual_note", args=[session.pk, bo.pk])
    moved = signed_in.post(url, {"progress": "Spoke up twice.", "then": str(di.pk)})
    assert moved["Location"] == reverse("individual_note", args=[session.pk, di.pk])
    assert IndividualNote.objects.get(participant=bo).progress == "Spoke up twice."
    last = signed_in.get(moved["Location"]).text
    assert "Save, then Bo" in last and "→</button>" not in last  # the last one has no next
    elsewhere = signed_in.post(url, {"progress": "Again.", "then": str(cy.pk)})
    assert elsewhere["Location"] == reverse("session_detail", args=[session.pk])
