"""The screening's questionnaires from the emailed link, without an account: the baseline
PHQ-9 and GAD-7 before someone joins a group (pathways.screening). Signed, for its recipient
only, once; the page shows no answer back, and an answer about self-harm above 0 brings the
crisis resources and the promise of a call."""

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
from pathways import screening


def _problem(request, problem: str, status: int):
    return render(
        request, "participation/screening_link_problem.html", {"problem": problem}, status=status
    )


@public
@never_cache
def screening_link(request, token: str):
    try:
        row = screening.open_link(token)
    except links.LinkProblem as refused:
        return _problem(request, refused.problem, refused.status)
    referral = screening.still_asking(row)
    if referral is None:  # answered, moved on or moved: nothing left for this link to do
        return _problem(request, "done", 200)
    due = screening.unanswered(referral)
    chosen, error = {}, ""
    if request.method == "POST":
        chosen = {measure.code: chosen_answers(request.POST, measure) for measure in due}
        language = translation.get_language().split("-")[0]
        with transaction.atomic():
            if not links.use_link(row):  # a second tap at the same time keeps nothing
                return _problem(request, "used", 410)
            try:
                screening.record_answers(referral=referral, chosen=chosen, language=language)
            except ValidationError as refused:
                error = refused.messages[0]
                transaction.set_rollback(True)  # the link stays usable for a complete answer
        if not error:
            risk = FollowUp.objects.filter(
                response__in=screening.answers(referral), assigned_to__isnull=False
            ).exists()
            context = {"risk": risk, "organisation": Organisation.current()}
            return render(request, "participation/screening_done.html", context)
    questionnaires = shown_questionnaires(due, chosen, checked=bool(error))
    context = {
        "questionnaires": questionnaires,
        "count": sum(len(q["items"]) for q in questionnaires),
        "error": error,
        "when": referral.screening_at,
    }
    return render(
        request, "participation/screening_form.html", context, status=400 if error else 200
    )
