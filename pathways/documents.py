"""What a signed discharge summary becomes: a letter to the referrer as a PDF (WeasyPrint, on
Debian's Pango), and a FHIR R4 document (a Composition with the QuestionnaireResponses and
Observations of measures.fhir). Both are downloaded, never emailed: nothing clinical leaves
the app in a message."""

import uuid

from django.template.loader import render_to_string
from django.utils import translation

from measures import fhir
from measures.models import MeasureResponse
from members.models import Organisation, PersonRecord
from members.record import record_of
from pathways.discharge import day
from pathways.models import DischargeSummary

DISCHARGE_SUMMARY = {"system": fhir.LOINC, "code": "18842-5", "display": "Discharge summary"}
NHS_NUMBER = "https://fhir.nhs.uk/Id/nhs-number"


def letter_html(summary: DischargeSummary) -> str:
    facts = summary.read_facts()
    record = record_of(summary.person)
    return render_to_string(
        "letters/discharge.html",
        {
            "summary": summary,
            "facts": facts,
            "joined": day(facts["joined_on"]),
            "left": day(facts["left_on"]) or summary.signed_at,
            "person": summary.person,
            "record": record,
            "addenda": summary.addenda.all(),
            "organisation": Organisation.current(),
            "language": translation.get_language(),
        },
    )


def letter_pdf(summary: DischargeSummary) -> bytes:
    from weasyprint import HTML  # loads Pango: only where a letter is made

    return HTML(string=letter_html(summary)).write_pdf()


def fhir_document(summary: DischargeSummary) -> dict:
    """A FHIR R4 document Bundle: the Composition first, then the Patient and the person's
    questionnaires in the group, which the Composition's sections point at."""
    person = summary.person
    # What the summary was signed on: the group's answers up to then (no later check-in).
    responses = list(
        MeasureResponse.objects.filter(participant=person, group=summary.group_id)
        .in_the_group()
        .filter(completed_at__lte=summary.signed_at)
        .order_by("completed_at", "pk")
    )
    collection = fhir.bundle(person, responses)
    entries = collection["entry"]
    patient = entries[0]
    _describe_patient(patient["resource"], record_of(person))
    measured = [
        {"reference": entry["fullUrl"]}
        for entry in entries[1:]
        if entry["resource"]["resourceType"] == "Observation"
    ]
    facts = summary.read_facts()
    composition = {
        "resourceType": "Composition",
        "status": "final",
        "type": {"coding": [DISCHARGE_SUMMARY]},
        "subject": {"reference": patient["fullUrl"]},
        "date": summary.signed_at.isoformat(),
        "author": [{"display": summary.signed_by.get_full_name() or summary.signed_by.email}],
        "title": f"Discharge summary: {facts['group']}",
        "section": [
            {
                "title": "Attendance",
                "text": _narrative(
                    f"Attended {facts['sessions_attended']} of {facts['sessions_offered']} "
                    "sessions offered."
                ),
            },
            {"title": "Outcome measures", "entry": measured}
            if measured
            else {"title": "Outcome measures", "emptyReason": _nothing_to_report()},
            {"title": "Clinician's summary", "text": _narrative(summary.words or "-")},
        ],
    }
    return {
        "resourceType": "Bundle",
        "type": "document",
        "identifier": {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{uuid.uuid4()}"},
        "timestamp": summary.signed_at.isoformat(),
        "entry": [{"fullUrl": f"urn:uuid:{uuid.uuid4()}", "resource": composition}, *entries],
    }


def _describe_patient(patient: dict, record: PersonRecord) -> None:
    if record.identifier_kind == PersonRecord.IdentifierKind.NHS and record.identifier:
        patient["identifier"].append(
            {"system": NHS_NUMBER, "value": record.identifier.replace(" ", "")}
        )
    if record.legal_name:
        patient["name"].insert(0, {"use": "official", "text": record.legal_name})
    if record.date_of_birth:
        patient["birthDate"] = record.date_of_birth.isoformat()


def _narrative(text: str) -> dict:
    from django.utils.html import escape

    return {
        "status": "generated",
        "div": f'<div xmlns="http://www.w3.org/1999/xhtml"><p>{escape(text)}</p></div>',
    }


def _nothing_to_report() -> dict:
    return {
        "coding": [
            {
                "system": "http://terminology.hl7.org/CodeSystem/list-empty-reason",
                "code": "nilknown",
                "display": "Nil Known",
            }
        ]
    }
