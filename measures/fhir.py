"""A person's questionnaires as FHIR R4: each answer set a QuestionnaireResponse, its total an
Observation (LOINC-coded, with the band), and PHQ-9 item 9 an Observation of its own, in one
collection Bundle with the Patient they are about. Plain dicts, serialised as JSON; the tests
parse the output with fhir.resources' R4B models."""

import uuid

from measures.models import MeasureResponse

LOINC = "http://loinc.org"
SURVEY = {
    "coding": [
        {
            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
            "code": "survey",
            "display": "Survey",
        }
    ]
}


def _urn() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


def _observation(code: str, display: str, patient: str, response, value: int, source: str):
    return {
        "resourceType": "Observation",
        "status": "final",
        "category": [SURVEY],
        "code": {"coding": [{"system": LOINC, "code": code, "display": display}]},
        "subject": {"reference": patient},
        "effectiveDateTime": response.completed_at.isoformat(),
        "valueInteger": value,
        "derivedFrom": [{"reference": source}],
    }


def bundle(person, responses: list[MeasureResponse]) -> dict:
    patient = _urn()
    entries = [
        {
            "fullUrl": patient,
            "resource": {
                "resourceType": "Patient",
                "identifier": [{"system": "urn:together:user", "value": str(person.pk)}],
                "name": [{"family": person.last_name, "given": [person.first_name]}],
            },
        }
    ]
    for response in responses:
        measure = response.measure
        items, difficulty = response.item_answers()
        answered = _urn()
        item_list = [
            {"linkId": str(n), "text": text, "answer": [{"valueInteger": answer}]}
            for n, (text, answer) in enumerate(zip(measure.items, items, strict=True), start=1)
        ]
        if difficulty is not None:
            item_list.append(
                {
                    "linkId": "difficulty",
                    "text": measure.difficulty,
                    "answer": [{"valueString": measure.difficulty_options[difficulty]}],
                }
            )
        entries.append(
            {
                "fullUrl": answered,
                "resource": {
                    "resourceType": "QuestionnaireResponse",
                    "questionnaire": f"{LOINC}/q/{measure.loinc_panel}",
                    "status": "completed",
                    "subject": {"reference": patient},
                    "authored": response.completed_at.isoformat(),
                    "item": item_list,
                },
            }
        )
        total = _observation(
            measure.loinc_total,
            f"{measure.name} total score",
            patient,
            response,
            response.total,
            answered,
        )
        total["interpretation"] = [{"text": response.band}]
        entries.append({"fullUrl": _urn(), "resource": total})
        if measure.risk_item:
            risk = items[measure.risk_item - 1]
            entries.append(
                {
                    "fullUrl": _urn(),
                    "resource": _observation(
                        measure.loinc_risk_item,
                        measure.items[measure.risk_item - 1],
                        patient,
                        response,
                        risk,
                        answered,
                    ),
                }
            )
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}
