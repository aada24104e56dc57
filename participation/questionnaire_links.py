"""Questionnaires from an emailed or texted link, outside a group's sessions: the screening's
baseline PHQ-9 and GAD-7 before someone joins (pathways.screening), and the booster check-ins
1, 3 and 6 months after discharge (pathways.boosters). Signed, for their recipient only, once;
the page shows no answer back, and an answer about self-harm above 0 brings the crisis
resources and the promise of a call."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.cache import never_cache

from core.outbox import links
from measures.models import FollowUp
from members.access import public
from members.models import Organisation
from participation.measures import chosen_answers, shown_questionnaires
from pathways import boosters, screening


@dataclass(frozen=True)
class Asking:
    """One questionnaire link's flow: what is still asked, how it is kept, what the page says."""

    due: list
    record: object  # record(chosen, language): keeps every questionnaire or raises
    kept: object  # the answers kept, to find a follow-up they opened
    heading: str  # the template's variant: "screening" or "booster"
    when: object = None


def _problem(request, problem: str, status: int):
    return render(
        request,
        "participation/questionnaire_link_problem.html",
        {"problem": problem},
        status=status,
    )


def _answer(request, row, asking: Asking | None):
    if asking is None or not asking.due:  # answered, moved on or moved: nothing left to do
        return _problem(request, "done", 200)
    chosen, error = {}, ""
    if request.method == "POST":
        chosen = {measure.code: chosen_answers(request.POST, measure) for measure in asking.due}
        language = translation.get_language().split("-")[0]
        with transaction.atomic():
            if not links.use_link(row):  # a second tap at the same time keeps nothing
                return _problem(request, "used", 410)
            try:
                asking.record(chosen, language)
            except ValidationError as refused:
                error = refused.messages[0]
                transaction.set_rollback(True)  # the link stays usable for a complete answer
        if not error:
            risk = FollowUp.objects.filter(response__in=asking.kept()).exists()
            context = {"risk": risk, "organisation": Organisation.current(), "kind": asking.heading}
            return render(request, "participation/questionnaire_link_done.html", context)
    questionnaires = shown_questionnaires(asking.due, chosen, checked=bool(error))
    context = {
        "questionnaires": questionnaires,
        "count": sum(len(q["items"]) for q in questionnaires),
        "error": error,
        "when": asking.when,
        "kind": asking.heading,
    }
    return render(
        request, "participation/questionnaire_link_form.html", context, status=400 if error else 200
    )


@public
@never_cache
def screening_link(request, token: str):
    try:
        row = screening.open_link(token)
    except links.LinkProblem as refused:
        return _problem(request, refused.problem, refused.status)
    referral = screening.still_asking(row)
    asking = referral and Asking(
        due=screening.unanswered(referral),
        record=lambda chosen, language: screening.record_answers(
            referral=referral, chosen=chosen, language=language
        ),
        kept=lambda: screening.answers(referral),
        heading="screening",
        when=referral.screening_at,
    )
    return _answer(request, row, asking)


@public
@never_cache
def booster_link(request, token: str):
    try:
        row = boosters.open_link(token)
    except links.LinkProblem as refused:
        return _problem(request, refused.problem, refused.status)
    summary, months = boosters.still_asking(row), row.offset_minutes
    asking = summary and Asking(
        due=boosters.unanswered(summary, months),
        record=lambda chosen, language: boosters.record_answers(
            summary=summary, months=months, chosen=chosen, language=language
        ),
        kept=lambda: boosters.answers(summary, months),
        heading="booster",
    )
    return _answer(request, row, asking)
