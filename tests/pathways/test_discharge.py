"""A member's discharge: the draft the app builds from their records, the facilitator's words,
a review before signing, locked in the database once signed, addenda after; the letter to the
referrer as a PDF (read back as text) and a FHIR R4 document; the member's own copy."""

import io
import json
from datetime import date, timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from pypdf import PdfReader

from core.models import AuditEvent
from measures.instruments import GAD7, PHQ9
from members import services as member_services
from pathways.models import DischargeSummary
from sessions.models import Attendance, GroupSession, TakeHomeDone
from tests.conftest import signed_in_client
from tests.measures.factories import answer
from tests.sessions.factories import GroupSessionFactory
from tests.therapy_groups.factories import EnrollmentFactory, TherapyGroupFactory
from therapy_groups import services as group_services
from therapy_groups.models import Enrollment

pytestmark = pytest.mark.django_db


@pytest.fixture
def finished(facilitator, participant):
    """Eight weekly sessions, six attended; PHQ-9 15 to 6 and GAD-7 12 to 5; a goal; three
    take-home practices done of four set; then the member completed the group."""
    group = TherapyGroupFactory(facilitators=[facilitator], name="Tuesday CBT")
    now = timezone.now()
    enrollment = EnrollmentFactory(
        group=group, participant=participant, joined_on=(now - timedelta(weeks=9)).date()
    )
    sessions = [
        GroupSessionFactory(
            group=group,
            starts_at=now - timedelta(weeks=8 - n, hours=1),
            status=GroupSession.Status.HELD,
            take_home="Try the activity diary" if n < 4 else "",
        )
        for n in range(8)
    ]
    for n, session in enumerate(sessions):
        Attendance.objects.create(
            session=session, participant=participant, status="absent" if n in (2, 5) else "present"
        )
    for session in sessions[:3]:
        TakeHomeDone.objects.create(session=session, participant=participant)
    answer(participant, group, PHQ9, total=15, session=sessions[0])
    answer(participant, group, GAD7, total=12, session=sessions[0])
    answer(participant, group, PHQ9, total=6, session=sessions[7])
    answer(participant, group, GAD7, total=5, session=sessions[7])
    goal = group_services.create_goal(participant=participant, group=group, what="Walk daily")
    group_services.check_in(goal=goal, progress=7, note="Most days now")
    member_services.save_record(
        person=participant,
        by=facilitator,
        legal_name="Pia Marker-Legal",
        date_of_birth=date(1990, 5, 1),
        referrer_name="Dr Okafor",
        referrer_service="Riverside Surgery",
        referrer_address="1 River Street",
        identifier_kind="nhs",
        identifier="943 476 5919",
    )
    group_services.end_enrollment(enrollment=enrollment, status=Enrollment.Status.COMPLETED)
    return group


def url(name, group, person):
    return reverse(name, args=[group.pk, person.pk])


def drafted(client, group, person):
    client.post(url("discharge_summary", group, person))
    return DischargeSummary.objects.get(person=person)


def signed(client, group, person, words="Engaged well; keep up the walking."):
    summary = drafted(client, group, person)
    client.post(url("discharge_summary", group, person), {"words": words, "boosters": "on"})
    summary.refresh_from_db()
    client.post(url("discharge_sign", group, person), {"reviewed": summary.updated_at.isoformat()})
    summary.refresh_from_db()
    return summary


def test_the_draft_reads_the_records(facilitator, participant, finished):
    staff = signed_in_client(facilitator)
    assert "Start the draft" in staff.get(url("discharge_summary", finished, participant)).text
    summary = drafted(staff, finished, participant)
    facts = summary.read_facts()
    assert (facts["sessions_offered"], facts["sessions_attended"]) == (8, 6)
    phq9 = next(m for m in facts["measures"] if m["code"] == "phq9")
    assert (phq9["first"], phq9["last"], phq9["reliable"], phq9["response"]) == (
        15,
        6,
        "improvement",
        True,
    )
    assert facts["recovery"] is True  # at case level on both at first, below on both at the end
    assert facts["goals"][0]["what"] == "Walk daily" and facts["goals"][0]["last_progress"] == 7
    assert (facts["take_home_done"], facts["take_home_set"], facts["open_follow_ups"]) == (3, 4, 0)
    page = staff.get(url("discharge_summary", finished, participant)).text
    assert "attended 6 of 8 offered" in page and "reliable improvement" in page


def test_a_summary_waits_until_the_member_has_finished(facilitator, participant):
    group = TherapyGroupFactory(facilitators=[facilitator])
    EnrollmentFactory(group=group, participant=participant)
    staff = signed_in_client(facilitator)
    assert (
        "once the member completes or leaves"
        in staff.get(url("discharge_summary", group, participant)).text
    )
    response = staff.post(url("discharge_summary", group, participant))
    assert response.status_code == 400 and not DischargeSummary.objects.exists()


def test_signing_needs_the_review_and_locks_the_summary(facilitator, participant, finished):
    staff = signed_in_client(facilitator)
    summary = drafted(staff, finished, participant)
    staff.post(url("discharge_summary", finished, participant), {"words": "First words"})
    review = staff.get(url("discharge_sign", finished, participant))
    assert "Signing locks it" in review.text and "First words" in review.text
    # Saved again after the review was shown: the stale review signs nothing.
    summary.refresh_from_db()
    seen = summary.updated_at.isoformat()
    staff.post(url("discharge_summary", finished, participant), {"words": "Second words"})
    staff.post(url("discharge_sign", finished, participant), {"reviewed": seen})
    summary.refresh_from_db()
    assert not summary.is_signed
    summary = signed(staff, finished, participant)
    assert summary.is_signed and summary.signed_by == facilitator
    response = staff.post(url("discharge_summary", finished, participant), {"words": "Changed"})
    assert response.status_code == 400 and "add an addendum" in response.text
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE pathways_dischargesummary SET boosters = false")
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM pathways_dischargesummary")
    staff.post(url("discharge_addendum", finished, participant), {"text": "Marker-addendum"})
    assert summary.addenda.get().text == "Marker-addendum"
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE pathways_dischargeaddendum SET text = 'x'")


def test_the_letter_reads_back_from_its_pdf(facilitator, participant, finished):
    staff = signed_in_client(facilitator)
    signed(staff, finished, participant)
    staff.post(url("discharge_addendum", finished, participant), {"text": "Seen again in May."})
    response = staff.get(url("discharge_letter", finished, participant))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    text = " ".join(text.split())
    for expected in (
        "Dr Okafor",
        "Riverside Surgery",
        "Pia Marker-Legal",
        "943 476 5919",
        "attended 6 of the 8 sessions of Tuesday CBT",
        "Reliable improvement",
        "Engaged well; keep up the walking.",
        "Seen again in May.",
        "Walk daily",
    ):
        assert expected in text, expected
    assert AuditEvent.objects.filter(action="export", participant=participant).exists()


def test_the_fhir_document_is_valid_r4_with_a_composition_first(facilitator, participant, finished):
    staff = signed_in_client(facilitator)
    signed(staff, finished, participant)
    data = json.loads(staff.get(url("discharge_fhir", finished, participant)).content)
    bundle = Bundle.model_validate(data)
    assert bundle.type == "document"
    composition = data["entry"][0]["resource"]
    assert composition["resourceType"] == "Composition"
    assert composition["type"]["coding"][0]["code"] == "18842-5"
    patient = next(
        e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == "Patient"
    )
    assert {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9434765919"} in patient[
        "identifier"
    ]
    assert patient["birthDate"] == "1990-05-01"
    urls = {e["fullUrl"] for e in data["entry"]}
    measured = next(s for s in composition["section"] if s["title"] == "Outcome measures")
    assert len(measured["entry"]) == 6 and {e["reference"] for e in measured["entry"]} <= urls


def test_nothing_to_download_before_signing(facilitator, participant, finished):
    staff = signed_in_client(facilitator)
    drafted(staff, finished, participant)
    response = staff.get(url("discharge_letter", finished, participant))
    assert response.status_code == 409 and "once the summary is signed" in response.text


def test_the_member_downloads_their_own_copy_and_nobody_else_can(
    facilitator, participant, other_participant, other_facilitator, admin_user, finished
):
    summary = signed(signed_in_client(facilitator), finished, participant)
    own = signed_in_client(participant)
    assert reverse("my_discharge_letter", args=[summary.pk]) in own.get(reverse("my_data")).text
    response = own.get(reverse("my_discharge_letter", args=[summary.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    for outsider in (other_participant, admin_user, other_facilitator):
        client = signed_in_client(outsider)
        assert client.get(reverse("my_discharge_letter", args=[summary.pk])).status_code == 404
    outsider = signed_in_client(other_facilitator)
    for name in ("discharge_summary", "discharge_letter", "discharge_fhir", "discharge_sign"):
        assert outsider.get(url(name, finished, participant)).status_code == 404
