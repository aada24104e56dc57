"""Questionnaires as FHIR R4: a facilitator's download and a participant's own data export,
both checked by parsing them with fhir.resources' R4B models."""

import json

import pytest
from django.urls import reverse
from fhir.resources.R4B.bundle import Bundle

from core.models import AuditEvent
from measures import services
from measures.instruments import GAD7, PHQ9
from measures.models import Channel

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered(world, participant):
    for measure, answers in ((PHQ9, [2, 2, 1, 1, 1, 1, 1, 1, 1]), (GAD7, [1] * 7)):
        services.record_answers(
            participant=participant,
            group=world.group,
            instrument=measure,
            answers=answers,
            difficulty=2 if measure is PHQ9 else None,
            channel=Channel.HOME,
        )
    return world


def resources(bundle: dict, kind: str) -> list[dict]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def check_bundle(data: dict) -> None:
    parsed = Bundle.model_validate(data)  # raises on anything R4B does not allow
    assert parsed.type == "collection"
    urls = {entry["fullUrl"] for entry in data["entry"]}
    references = list(_references(data))
    assert references and set(references) <= urls, "a reference points outside the bundle"


def _references(value):
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "reference":
                yield inner
            else:
                yield from _references(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _references(inner)


def test_a_facilitator_downloads_a_members_questionnaires_as_fhir(
    answered, personas, participant, facilitator
):
    url = reverse("participant_measures_fhir", args=[answered.group.pk, participant.pk])
    response = personas["facilitator"].get(url)
    assert response["Content-Type"] == "application/fhir+json"
    data = json.loads(response.content)
    check_bundle(data)
    answers = resources(data, "QuestionnaireResponse")
    assert [a["questionnaire"] for a in answers] == [
        "http://loinc.org/q/44249-1",
        "http://loinc.org/q/69737-5",
    ]
    assert answers[0]["item"][8]["answer"] == [{"valueInteger": 1}]
    assert answers[0]["item"][9]["answer"] == [{"valueString": "Very difficult"}]
    observed = {
        o["code"]["coding"][0]["code"]: o["valueInteger"] for o in resources(data, "Observation")
    }
    assert observed == {"44261-6": 11, "44260-8": 1, "70274-6": 7}
    event = AuditEvent.objects.get(action="export", participant_id=participant.pk)
    assert event.actor == facilitator


def test_only_the_groups_facilitators_download_it(answered, personas, participant):
    url = reverse("participant_measures_fhir", args=[answered.group.pk, participant.pk])
    assert personas["other_facilitator"].get(url).status_code == 404
    for persona in ("participant", "admin"):
        assert personas[persona].get(url).status_code == 404


def test_a_participants_own_data_export_holds_their_questionnaires_as_fhir(
    answered, personas, other_participant
):
    services.record_answers(
        participant=other_participant,
        group=answered.other_group,
        instrument=PHQ9,
        answers=[3] * 9,
        channel=Channel.HOME,
    )
    data = json.loads(personas["participant"].get(reverse("my_data_json")).content)
    check_bundle(data["questionnaires"])
    totals = [o["valueInteger"] for o in resources(data["questionnaires"], "Observation")]
    assert 27 not in totals and sorted(totals) == [1, 7, 11]  # theirs, never anyone else's
